"""The Comarch connector's HTTP routes."""
