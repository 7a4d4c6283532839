"""The shell's alerts link: the organisation's unresolved alerts, counted from the cache."""

from django import template

from compliance.monitoring import alerts
from hds_platform.tenancy import organisation_context

register = template.Library()


@register.simple_tag
def unresolved_alerts(organisation) -> int:
    """Open and acknowledged alerts of the page's organisation (0 outside one)."""
    if organisation is None:
        return 0
    # An error page (404, 403) of an organisation's URL renders after its view left the context;
    # the organisation is only on the request once membership was checked.
    with organisation_context(organisation):
        return alerts.unresolved_count(organisation)
