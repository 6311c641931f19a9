"""URL fragments every front shares, defined once: named groups, passed to handlers as keyword arguments
and read by the OpenAPI test as path parameters of the same names."""

# A serial is 14 digits; wider here so a mistyped one reaches the service and gets its clear 404.
SERIAL = r"(?P<serial>\d{1,20})"
FILE_ID = r"(?P<file_id>[0-9a-f]{32})"  # an uploaded file
DOCUMENT_ID = r"(?P<document_id>[0-9a-f]{32})"  # a generated document
DRAFT_KIND = r"(?P<kind>[a-z_]{1,20})"  # worker / employer (others are refused by the service)
APPLY_KIND = r"(?P<kind>[a-z]+)"
APPLY_STEP = r"(?P<step>[a-z]+)"
CARD_TICKET = r"(?P<ticket>[A-Za-z0-9_-]{16,64})"
VERIFY_ID = r"(?P<document_id>[0-9a-f]{1,64})"  # as typed under a QR code (its length checked by the service)
OFFICE_ACTION = r"(?P<action>[a-z_]+)"
INVITATION_TOKEN = r"(?P<token>[A-Za-z0-9_-]{16,64})"  # the respondent's invitation (services/cases/respondent.py)
PAPER_KIND = r"(?P<kind>[a-z_]{1,30})"  # a document kind a party makes with one tap
CENTRE_ID = r"(?P<centre_id>[a-z0-9-]{1,40})"  # a mediation centre (services/directory/centres.py)
LOCALE = r"(?P<locale>[A-Za-z_]{2,10})"  # a language of the switch (i18n.LOCALES; others are ignored)
DISPLAY_MODE = r"(?P<mode>[a-z]{1,20})"  # elder (大字版) or standard
LIBRARY_ENTRY = r"(?P<library_entry>[a-z0-9_-]{1,80})"  # a law, policy or typical case (services/library/)
FIGURE_ID = r"(?P<figure_id>[0-9a-f]{32})"  # a local figure (services/directory/local_figures.py)
MATERIAL_ID = r"(?P<material_id>[0-9a-f]{32})"  # a training material (services/library/training.py)
TEMPLATE_KIND = r"(?P<template_kind>[a-z_]{1,30})"  # a document kind whose template a centre replaces
TRIAGE_NODE = r"(?P<node>[a-z][a-z0-9_]{0,39})"  # a node of the triage tree (services/intake/triage.py)
# Docking (docs/contracts.md#the-partner-calls-us-apidocking): a partner's case number, URL-encoded
# ("(2026)沪0115民诉前调1234号"), matched before it is decoded.
PARTNER_CASE_NO = r"(?P<partner_case_no>[^/]{1,1200})"  # 100 characters percent-encoded, 4 bytes each
CONFIRMATION_ID = r"(?P<confirmation_id>[0-9a-f]{32})"  # a joint application sent to a partner (services/court/)
ROSTER_ENTRY = r"(?P<entry_id>[0-9a-f]{32})"  # a special-invite roster entry
APPLICATION_KIND = r"(?P<application>judicial_confirmation|arbitral_review)"  # a joint application a party makes online
DOCKING_ACTION = r"(?P<action>accept|decline|extend|pause|resume|report|file)"  # the back office on a delegated case
CONSENT_PURPOSE = r"(?P<purpose>[a-z_]{1,40})"  # the notice or an optional consent (services/accounts/consents.py)
CORRECTION_ID = r"(?P<correction_id>[0-9a-f]{32})"  # a party's correction request (services/cases/corrections.py)
