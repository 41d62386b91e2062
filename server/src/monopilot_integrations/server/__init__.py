"""The assembled MonoPilot Integrations server, its workers and its command line."""
