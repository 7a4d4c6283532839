"""Web views of an organisation: the decorator that resolves it, like the API base view does."""

import functools
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from hds_platform.models import Membership, Organisation
from hds_platform.roles import ROLE_PERMISSIONS, Perm
from hds_platform.tenancy import organisation_context


def organisation_view(perm: str = Perm.READ, *, write_perm: str | None = Perm.WRITE, page_cache: bool = False):
    """Run a view for ``/o/<org>/…`` inside its organisation's context.

    A person who is not a member gets 404, as for a missing organisation;
    a member whose role lacks ``perm`` (or ``write_perm`` for POST) gets 403; a member who has not
    entered a second factor, in an organisation that requires one, is sent to enrol one.
    The view must render eagerly (``render``), inside the context.

    ``page_cache``: the page's ``GET`` may be answered from the cache, for the same person and
    data (:mod:`hds_platform.page_cache`). Only for a page that shows nothing but the
    organisation's data, the ANS list, the person and the day.
    """

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, org, *args, **kwargs):
            organisation = Organisation.objects.filter(slug=org).first()
            if organisation is None:
                raise Http404
            with organisation_context(organisation):
                membership = Membership.objects.filter(user_id=request.user.pk).first()
                if membership is None:
                    raise Http404
                if organisation.require_mfa and not request.user.is_verified():
                    messages.info(request, _("%s exige la double authentification : activez-la pour continuer.")
                                  % organisation.name)
                    return redirect(f"{reverse('mfa-setup')}?next={quote(request.get_full_path())}")
                allowed = ROLE_PERMISSIONS[membership.role]
                if perm not in allowed or (
                    request.method == "POST" and write_perm is not None and write_perm not in allowed
                ):
                    raise PermissionDenied
                request.organisation = organisation
                request.membership = membership
                request.permissions = allowed
                response = view(request, *args, **kwargs)
                if page_cache and request.method == "GET":
                    response.keep_in_front = True
                return response

        wrapper.page_cache = page_cache
        return wrapper

    return decorator
