"""The portals' JSON API (``/api/portal/...``) and its administration
(``/api/integrations/portals/...``)."""
