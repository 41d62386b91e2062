"""API keys: format, storage, verification (with a cache in front of bcrypt)."""
