"""The files connector of MonoPilot Integrations: data export (CSV, JSON, XML) and product
import with validation."""
