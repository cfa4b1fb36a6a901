"""The incident's record: the event log, its folder, resuming it, and the commander's corrections."""
