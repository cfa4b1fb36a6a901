"""The incident's record: the event log, its folder, and resuming it."""
