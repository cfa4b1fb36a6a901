"""The command line: what each command takes and does, and what the terminal shows."""
