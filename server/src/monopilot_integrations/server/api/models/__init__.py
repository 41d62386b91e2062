"""The public API's request, query and response models, one module per area."""
