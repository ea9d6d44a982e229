"""Stage 5: the Chinese business calendar, the reporting period and one SLA verdict per stage of a row."""
