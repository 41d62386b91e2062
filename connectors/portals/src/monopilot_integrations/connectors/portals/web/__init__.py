"""The portals' pages: server-rendered HTML that works without JavaScript."""
