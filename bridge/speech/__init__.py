"""From audio to words: voice activity, utterances, and the transcriber."""
