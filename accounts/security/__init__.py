"""Security and privacy hardening: sign-in lockout, two-factor authentication, session
rotation, headers, sanitization, personal-data warnings and the privacy tools."""
