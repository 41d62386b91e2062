"""``/api/integrations/webhooks``: the webhook management API."""
