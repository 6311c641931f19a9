"""People and how they sign in: persons and identities, staff, portal accounts, sessions, lockout, passwords, audit."""
