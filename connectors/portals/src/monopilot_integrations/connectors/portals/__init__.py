"""Supplier and customer portals: suppliers confirm deliveries of their purchase orders,
customers follow their orders and shipments, each signed in with an account of its own
(not a MonoPilot user), as a JSON API and as server-rendered pages (``docs/portals.md``)."""
