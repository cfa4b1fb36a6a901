"""Where audio and transcripts come in: files, stdin, live devices, the archive, transcript files."""
