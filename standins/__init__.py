"""Local stand-ins of outside platforms (WeChat), for tests and for trying the service on a laptop."""
