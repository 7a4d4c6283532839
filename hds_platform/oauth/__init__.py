"""Connected apps: OAuth 2.0 (authorization code + PKCE) through django-oauth-toolkit.

An integrator registers an application; an owner or admin of an organisation authorises it for
chosen scopes and for that one organisation (:mod:`.views`, the consent page). Every grant and
token carries its organisation (:mod:`.models`), the API enters that organisation's context
like for an API token (:mod:`hds_platform.api.base`), and the organisation lists and revokes
its connections (:mod:`.services`).
"""
