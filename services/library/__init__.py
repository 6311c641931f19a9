"""Laws, policies, typical cases and guidance before applying (empty until the guidance issue)."""
