"""Export file formats: mappers registered through ``register_mappers``."""
