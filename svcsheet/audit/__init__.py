"""Stage 9: the auditors' archive (content-addressed store, SQLite ledger, tracing) and the run history store."""
