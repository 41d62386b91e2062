"""Outbound EDI: MonoPilot records to messages, envelopes, storage and delivery jobs."""
