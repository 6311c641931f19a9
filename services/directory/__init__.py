"""Regions, centres and mediators as data (empty until the administration issue)."""
