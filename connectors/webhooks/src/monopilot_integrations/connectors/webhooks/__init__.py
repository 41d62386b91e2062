"""The webhooks connector of MonoPilot Integrations."""
