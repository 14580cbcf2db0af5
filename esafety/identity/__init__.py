"""Signing in: the school's own identity provider (OpenID Connect), who each account is,
two-factor codes for the school's leaders, and sign-ins nobody could match yet."""
