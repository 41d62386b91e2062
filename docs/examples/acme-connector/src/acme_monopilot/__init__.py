"""ACME: an example third-party connector for MonoPilot Integrations."""
