"""Courts and arbitration institutes calling us (`/api/docking/`), signed with HMAC-SM3: the docking issue's room."""

routes: list = []
