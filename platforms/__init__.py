"""Clients of outside platforms (card, SMS, LibreOffice, later the court), apart from the rules that use them."""
