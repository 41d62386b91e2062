"""The integrations dashboard: server-rendered pages where an organisation's admins see and
steer every installed integration (``docs/dashboard.md``)."""
