from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hds_platform import crossing, services
from hds_platform.roles import Perm
from hds_platform.web import organisation_view


@login_required
def home(request):
    """Send a person to their first organisation's dashboard."""
    memberships = crossing.memberships_of(request.user)
    if not memberships:
        return render(request, "hds_platform/no_organisation.html")
    return redirect("dashboard", org=memberships[0].organisation.slug)


@organisation_view(Perm.READ)
def dashboard(request):
    return render(request, "hds_platform/dashboard.html", {})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    if request.method == "POST":
        try:
            membership = services.invitation_accept(raw_token=token, user=request.user)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
            return render(request, "hds_platform/invitation.html", {"token": token, "error": exc}, status=400)
        messages.success(request, _("Vous avez rejoint %s.") % membership.organisation.name)
        return redirect("dashboard", org=membership.organisation.slug)
    return render(request, "hds_platform/invitation.html", {"token": token})
