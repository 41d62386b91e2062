"""Comarch ERP Optima: sales invoices and corrections, chart of accounts (see docs/comarch.md)."""
