"""Inbound EDI: storing, checking, mapping and processing what partners send."""
