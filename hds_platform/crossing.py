"""Every read that must cross organisations before a tenant is known.

Authentication has to find an API token, an invitation link or a user's
memberships before any organisation context exists. These few lookups live
here, and only here, so that they stay explicit and reviewable; everything
else reads through the scoped managers.
"""

from __future__ import annotations

from django.db.models import QuerySet

from hds_platform.models import ApiToken, Invitation, Membership, User


def find_api_token(prefix: str) -> ApiToken | None:
    """The token with this public prefix, with its organisation, in one indexed query."""
    return ApiToken.all_organisations.select_related("organisation").filter(prefix=prefix).first()


def find_invitation(digest: str) -> Invitation | None:
    return Invitation.all_organisations.select_related("organisation").filter(token_digest=digest).first()


def memberships_of(user: User) -> QuerySet[Membership]:
    """The organisations a user belongs to, for the organisation switcher and /me/."""
    return (
        Membership.all_organisations.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )
