"""A person's own data (个人信息保护法 arts. 44-47): what the service holds about them, a copy, deletion where the law
allows it; the processing inventory the privacy notice and the impact assessment share (docs/privacy.md).

- `inventory`: what is processed, of whom, why, on which basis, where, who sees it, how long: the notice's rows.
- `my_data`: everything held about the signed-in person, who looked at it, and the copy (JSON and a document).
- `erasure`: deleting a draft, an upload, a consent or the account where the law allows it; refusing, with the
  basis, where it does not (a case file must be kept).
- `identity`: the fresh proof of who asks before a copy is given (a recent sign-in or a one-time code).

Corrections live with the case they correct (services/cases/corrections.py), consents with the person
(services/accounts/consents.py).
"""
