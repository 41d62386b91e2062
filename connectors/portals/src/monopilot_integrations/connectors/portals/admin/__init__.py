"""Administration of portal users by the organisation's administrators
(``integrations:admin``)."""
