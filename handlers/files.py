"""Evidence uploads and downloads (placeholder until uploads land)."""

routes: list = []
