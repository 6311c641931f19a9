"""Applying: the application body checked, the guided form, drafts, routing to a centre, submission, evidence."""
