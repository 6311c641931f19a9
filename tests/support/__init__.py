"""Helpers shared by the tests: sample data, clients, sign-ins, stand-ins, seeded histories.

Tests import helpers from here and nowhere else: a test module never imports another test module or a
conftest (tests/test_architecture.py checks it). conftest.py files hold fixtures only.
"""

from __future__ import annotations
