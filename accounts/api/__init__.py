"""REST API for accounts: sign-up, token login/logout, the current user, passwords."""
