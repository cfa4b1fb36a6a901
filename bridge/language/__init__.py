"""What was said means: sentence analysis, spoken durations, reply kinds, findings, and the extraction."""
