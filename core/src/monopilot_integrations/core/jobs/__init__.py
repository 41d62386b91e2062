"""Jobs: what connectors do, persisted, queued, retried and dead-lettered."""
