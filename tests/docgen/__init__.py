"""Tests of docgen: documents rendered and read back with python-docx."""
