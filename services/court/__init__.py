"""Docking with courts and arbitration institutes (empty until the docking issue)."""
