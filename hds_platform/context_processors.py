from django.utils.functional import SimpleLazyObject

from hds_platform import crossing


def organisation(request):
    """The current organisation and the switcher's list, for the shell template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_organisation": getattr(request, "organisation", None),
        "current_membership": getattr(request, "membership", None),
        # What the member may do here; templates hide what the role does not allow.
        "org_perms": getattr(request, "permissions", frozenset()),
        # Read only when a template shows the switcher, once.
        "my_memberships": SimpleLazyObject(lambda: crossing.memberships_of(user)),
    }
