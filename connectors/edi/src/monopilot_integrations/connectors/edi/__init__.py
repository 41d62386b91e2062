"""The edi connector of MonoPilot Integrations."""
