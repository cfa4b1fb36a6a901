"""bridge: a local companion for the incident commander of a production outage.

How audio becomes a decision, one stage per subpackage, each importing only from those before it:

    sources/ ──blocks──▶ speech/ ──utterances──▶ speech/transcriber ──text──▶ incident.py
      files, stdin,        vad, segmenter          (Recogniser)                  │
      devices, archive                                                           ├─▶ speakers/   who said it
                                                                                 ├─▶ language/   what it decides
                                                                                 ├─▶ monitor.py  what is overdue
                                                                                 ▼
                                                    log/ (events.jsonl, the one record) ──▶ sinks:
                                                        cli/terminal, feed/ (overlay), report/ (drafts)

The kernel every stage shares: errors, events, calltime, people, corrections, weights. `pipeline` wires the
stages for audio; `incident` routes each final transcript through attribution, the log, extraction and the
monitor.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
