"""The EDI API: routes and their pydantic models."""
