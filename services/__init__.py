"""Business rules, in rooms by domain; never imports tornado. Refusals are `services.core.errors.ServiceError`.

Packages, lowest first; a package imports only those before it (tests/test_architecture.py checks):
core, directory, accounts, cases, notify, intake, court, stats, library.
"""
