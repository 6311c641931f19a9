"""Statistics of cases, maintained with each move (empty until the administration issue)."""
