"""The data layer: SQLAlchemy 2 async engine, tenant-scoped sessions, migrations."""
