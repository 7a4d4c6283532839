"""A person's account and its security: login throttling, the second factor (TOTP and recovery
codes), session lifetime, re-authentication for sensitive actions, password change, erasure.

Every authentication event lands in the audit log of each organisation the person belongs to
(:mod:`hds_platform.accounts.events`)."""
