"""Views of the log after (or during) the call: timeline, post-mortem, stakeholder update, transcripts."""
