"""Integration log: what was sent and received, masked before it is stored."""
