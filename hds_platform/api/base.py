"""The base of every tenant API view: it alone decides which organisation a request works for.

``/api/v1/orgs/{org}/…`` views inherit :class:`OrganisationViewMixin` (or the
ready-made viewsets below). The mixin authenticates, resolves ``{org}``
against the caller's membership or token, enters the organisation context
(one transaction, row-level security setting included) for the whole request,
checks the role table, and owns ``get_queryset``/``get_object`` so that no
subclass can forget the tenant. Another organisation's object, a missing
object and an organisation the caller does not belong to all answer 404.

Once the role is checked, a write's ``Idempotency-Key`` is claimed
(:mod:`hds_platform.api.idempotency`): a retry is answered with the stored
response and runs nothing; a first success is recorded in the request's own
transaction, just before it commits.
"""

from contextlib import ExitStack

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.permissions import SAFE_METHODS

from hds_platform import generations, response_cache, scopes
from hds_platform.api import idempotency
from hds_platform.api.schema import TenantAutoSchema
from hds_platform.audit import Actor
from hds_platform.models import ApiToken, AppConnection, Membership, Organisation
from hds_platform.oauth.authentication import AppPrincipal
from hds_platform.oauth.services import app_label, connection_touch
from hds_platform.roles import ROLE_PERMISSIONS, Perm
from hds_platform.services import api_token_record_use, api_token_touch
from hds_platform.tenancy import organisation_context

ORG_PARAMETER = OpenApiParameter(
    "org", OpenApiTypes.STR, OpenApiParameter.PATH, description="The organisation's slug."
)


class Forbidden(exceptions.PermissionDenied):
    default_detail = _("Votre rôle ne permet pas cette action.")
    default_code = "permission_denied"


class NotAuthenticatedApp(exceptions.AuthenticationFailed):
    default_detail = _("Cette application n'est plus autorisée pour cette organisation.")
    default_code = "app_revoked"


class SecondFactorRequired(exceptions.PermissionDenied):
    default_detail = _("Cette organisation exige la double authentification : activez-la et saisissez votre "
                       "second facteur dans l'interface web.")
    default_code = "mfa_required"


class OutsideScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"


class OrganisationViewMixin(response_cache.CachedReads):
    """Resolves the organisation, enters its context, checks the role table (people) or the
    scopes (API tokens and connected apps)."""

    #: permission needed per viewset action (or HTTP method); default: read for
    #: safe methods, write otherwise.
    action_permissions: dict[str, str] = {}
    #: scope a token or an app needs per action, "action METHOD" or HTTP method, or a tuple of
    #: scopes any of which will do; default: the scope of the permission needed (hds_platform.scopes).
    action_scopes: dict[str, str | tuple[str, ...]] = {}
    #: the scopes of the token or app calling; None for a person.
    granted_scopes: frozenset[str] | None = None
    _legacy_token = False
    schema = TenantAutoSchema()
    organisation: Organisation
    membership: Membership | None
    permissions: frozenset[str]

    def dispatch(self, request, *args, **kwargs):
        self._tenant_stack = ExitStack()
        self._in_tenant_transaction = False
        self._deferred_token = None
        self._idempotency = None
        # What must wait until the request's transaction has ended (an idempotency key's lock).
        after_request = self._after_request = ExitStack()
        with after_request, self._tenant_stack:
            response = super().dispatch(request, *args, **kwargs)
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                # Rendered here, inside the organisation's context: the browsable API's HTML
                # builds forms that read tenant rows (a list opened in a browser answered 500).
                response.render()
            if self._in_tenant_transaction and response.status_code >= 400:
                # The request failed: none of its writes may stay.
                transaction.set_rollback(True)
            elif self._idempotency is not None and self._idempotency.stored is None and response.status_code < 300:
                idempotency.record(self._idempotency, response)
        # Kept once the transaction has committed: never an answer of data that did not.
        self.keep_answer(response)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._enter_organisation(request, kwargs.get("org"))
        needed = self.required_permission(request)
        if self.granted_scopes is not None:
            self._check_scope(request, needed)
        elif needed not in self.permissions:
            raise Forbidden()
        self.answer_from_cache(request, organisation_id=self.organisation.pk, found=self._generations(),
                               variant=" ".join(sorted(self.granted_scopes or self.permissions)))
        if self._deferred_token is not None:
            # Not answered from the cache: now the token's organisation context (its transaction).
            self._enter_token_context(self._deferred_token)
        self._idempotency = idempotency.claim(request, self.organisation, self._after_request)
        if self._idempotency is not None and self._idempotency.stored is not None:
            raise idempotency.Replay(self._idempotency.stored)

    def required_scopes(self, request, permission: str) -> tuple[str, ...]:
        """The scopes any of which opens this action to a token or an app; () if none does."""
        action = getattr(self, "action", None)
        named = None
        for key in (f"{action} {request.method}", action, request.method):
            if key in self.action_scopes:
                named = self.action_scopes[key]
                break
        if named is None:
            named = scopes.required_for(permission)
        if named is None:
            return ()
        return (named,) if isinstance(named, str) else tuple(named)

    def _check_scope(self, request, permission: str) -> None:
        wanted = self.required_scopes(request, permission)
        if self._legacy_token and (not wanted or self.granted_scopes.isdisjoint(wanted)):
            raise Forbidden()  # the code the first tokens ("read", "read-write") were documented with
        if not wanted:
            raise OutsideScope(_("Cette action est réservée aux personnes membres de l'organisation : aucune "
                                 "portée de jeton ou d'application ne l'ouvre."))
        if self.granted_scopes.isdisjoint(wanted):
            if len(wanted) == 1:
                raise OutsideScope(_("Portée insuffisante : cette action demande la portée %(scope)s.")
                                   % {"scope": wanted[0]})
            raise OutsideScope(_("Portée insuffisante : cette action demande l'une des portées %(scopes)s.")
                               % {"scopes": ", ".join(wanted)})

    def _enter_organisation(self, request, slug):
        if slug is None:
            raise Http404
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None:
            if token.organisation.slug != slug:
                raise Http404
            self.organisation = token.organisation
            # The context is entered once the checks are done, unless the cache answers: the
            # token alone says which organisation this is and what it may do.
            self._deferred_token = token
            self.membership = None
            self.granted_scopes = scopes.parse(token.scope)
            self._legacy_token = token.scope in scopes.LEGACY_ALIASES
            self.permissions = scopes.permissions_of(self.granted_scopes)
            return
        if isinstance(request.user, AppPrincipal):
            self._enter_as_app(request, slug)
            return
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise Http404
        self._tenant_stack.enter_context(organisation_context(organisation))
        self._in_tenant_transaction = True
        membership = Membership.objects.filter(user_id=request.user.pk).first()
        if membership is None:
            raise Http404
        if organisation.require_mfa and not request.user.is_verified():
            raise SecondFactorRequired()
        self.organisation = organisation
        self.membership = membership
        self.permissions = ROLE_PERMISSIONS[membership.role]

    def _enter_as_app(self, request, slug):
        access_token = request.user.access_token
        if access_token.organisation.slug != slug:
            raise Http404
        self.organisation = access_token.organisation
        self._tenant_stack.enter_context(organisation_context(self.organisation))
        self._in_tenant_transaction = True
        connection = (AppConnection.objects.select_related("application")
                      .filter(application_id=access_token.application_id, revoked_at__isnull=True).first())
        if connection is None:
            # Revoked while this token was being used: its rows are gone with the revocation.
            raise NotAuthenticatedApp()
        connection_touch(connection, actor=self.actor)
        self.membership = None
        self.granted_scopes = frozenset(access_token.scope.split()) & frozenset(connection.scopes)
        self.permissions = scopes.permissions_of(self.granted_scopes)

    def _enter_token_context(self, token) -> None:
        self._deferred_token = None
        self._tenant_stack.enter_context(organisation_context(self.organisation))
        self._in_tenant_transaction = True
        api_token_touch(token)

    def _generations(self) -> generations.Generations | None:
        """The data generations a cached answer must have been built from (read with the token,
        else in the organisation's context); None when nothing may be cached."""
        if not self.cacheable(self.request):
            return None
        found = getattr(self.organisation, "data_generations", None)
        return found if found is not None else generations.current(self.organisation.pk)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return idempotency.replay(exc.stored)
        if getattr(self, "_deferred_token", None) is not None:
            # Answered without the organisation's transaction (from the cache, or refused by the
            # checks): the token's use is still recorded, once per window.
            token, self._deferred_token = self._deferred_token, None
            api_token_record_use(token)
        return super().handle_exception(exc)

    def required_permission(self, request) -> str:
        action = getattr(self, "action", None)
        if action in self.action_permissions:
            return self.action_permissions[action]
        if request.method in self.action_permissions:
            return self.action_permissions[request.method]
        return Perm.READ if request.method in SAFE_METHODS else Perm.WRITE

    @property
    def actor(self) -> Actor:
        token = self.request.auth if isinstance(self.request.auth, ApiToken) else None
        if token is not None:
            return Actor(token_id=token.pk, label=f"token:{token.prefix} {token.name}")
        if isinstance(self.request.user, AppPrincipal):
            return Actor(label=app_label(self.request.user.application))
        return Actor.for_user(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["organisation"] = getattr(self, "organisation", None)
        return context


@extend_schema(parameters=[ORG_PARAMETER])
class OrganisationGenericViewSet(OrganisationViewMixin, viewsets.GenericViewSet):
    """Tenant viewset: subclasses name a ``model`` and may refine ``scope_queryset``."""

    model = None
    lookup_value_regex = r"\d+"

    def scope_queryset(self, queryset):
        """Hook for select_related/prefetch/annotations; the tenant filter is already applied."""
        return queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.all_organisations.none()
        return self.scope_queryset(self.model.objects.filter(organisation_id=self.organisation.pk))


class OrganisationReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganisationGenericViewSet):
    pass


class OrganisationModelViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganisationReadOnlyViewSet,
):
    pass
