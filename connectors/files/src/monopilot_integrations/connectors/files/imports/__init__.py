"""Product import: template, upload, validation and execution."""
