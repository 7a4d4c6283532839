"""The OpenAPI document integrators generate their clients from.

Rules that hold for every operation live here rather than on each view:

- the document is English whatever the caller's language (one document, one cache entry);
- descriptions come only from ``extend_schema(description=…)``: docstrings are written for the
  people who maintain the code, and each resource is described once, by its tag (settings ``TAGS``);
- the error responses an operation can give are declared from what the operation is (it needs a
  caller, it names a path parameter, it takes a body, it writes), each with the one error envelope,
  :class:`ErrorSerializer`.
"""

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from hds_platform.api.idempotency import HEADER, WRITE_METHODS
from hds_platform.ratelimit import ApiRateLimit
from hds_platform.tenancy import introspection

SCHEMA_LANGUAGE = "en"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable code of this error.")
    message = serializers.CharField(help_text="What went wrong, in the caller's language.")


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer under ``/api/``: the envelope as ``hds_platform.api.exceptions``
    builds it. Its shape is declared here and nowhere else."""

    code = serializers.CharField(help_text="Stable code: act on it (e.g. `not_found`, `duplicate_name`).")
    message = serializers.CharField(help_text="A sentence for a person, in the caller's language.")
    errors = serializers.DictField(
        required=False,
        child=serializers.JSONField(),
        help_text=(
            "Validation errors by field name: a list of {code, message} for a field, the same structure "
            "nested for an object, one entry per item for a list. Errors that concern no single field "
            "are under `non_field_errors`."
        ),
    )

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `code` says why, `errors` names the fields.",
    "401": "No credentials, or credentials that are not valid (`not_authenticated`, `authentication_failed`).",
    "403": "Authenticated, but this role, token scope or security policy does not allow it "
           "(`permission_denied`, `mfa_required`, …).",
    "404": "No such object in this organisation, or an organisation the caller does not belong to "
           "(the two are not told apart); also a page number past the end.",
    "409": "The request conflicts with the current state (e.g. `duplicate_name`, `last_owner`, `alert_not_open`).",
    "413": "The body is larger than the server accepts (`request_too_large`, `evidence_too_large`).",
    "415": "The body's media type is not accepted: send `application/json` (files: `multipart/form-data`).",
    "422": "The `Idempotency-Key` was already used for another request (`idempotency_key_reused`).",
    "429": "Too many requests or attempts (`rate_limited`, or the operation's own limit): wait for the number "
           "of seconds in `Retry-After`; `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` say "
           "where the caller stands.",
}


def error_response(status: int | str, description: str | None = None) -> OpenApiResponse:
    """An error answer with the envelope, for the statuses an operation declares by itself (e.g. 429)."""
    return OpenApiResponse(ErrorSerializer, description=description or ERROR_DESCRIPTIONS[str(status)])


class AutoSchema(BaseAutoSchema):
    def get_description(self) -> str:
        return ""

    def _error_statuses(self) -> list[str]:
        statuses = []
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        if has_body or has_query:
            statuses.append("400")
        if not any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            statuses.append("401")
        tenant = "{org}" in self.path
        if tenant or self.method in UNSAFE_METHODS:
            statuses.append("403")
        if "{" in self.path or "page" in {p.get("name") for p in self._get_parameters()}:
            statuses.append("404")
        if self.method in UNSAFE_METHODS:
            statuses.append("409")
        if has_body:
            statuses.extend(["413", "415"])
        if "401" in statuses and any(isinstance(t, ApiRateLimit) for t in self.view.get_throttles()):
            statuses.append("429")  # every authenticated caller is counted (hds_platform.ratelimit)
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if status not in responses:
                responses[status] = self._get_response_for_code(error_response(status), status, direction=direction)
        return dict(sorted(responses.items()))


class SchemaGenerator(BaseSchemaGenerator):
    """Generates the OpenAPI document in English, with tenant managers in introspection mode (empty
    querysets)."""

    def get_schema(self, request=None, public=False):
        with translation.override(SCHEMA_LANGUAGE), introspection():
            return super().get_schema(request=request, public=public)



IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Makes the write safe to retry: 1 to 255 visible ASCII characters, e.g. a UUID. The same key "
                "with the same request answers the first (successful) response again for 24 hours "
                "(Idempotent-Replayed: true); with another request, 422 idempotency_key_reused; while the first "
                "still runs, 409 idempotency_key_in_use.",
)


class TenantAutoSchema(AutoSchema):
    """The schema of a tenant view: its writes take an ``Idempotency-Key`` header (and may answer 422
    when the key was used for another request)."""

    def _error_statuses(self) -> list[str]:
        statuses = super()._error_statuses()
        if self.method in WRITE_METHODS:
            if "400" not in statuses:  # a malformed key (idempotency_key_invalid), even without a body
                statuses.insert(0, "400")
            statuses.append("422")
        return statuses

    def get_auth(self):
        """The scopes a connected app needs for this operation, in its ``oauth2`` requirement (the
        same scopes open it to an API token); an operation reserved to people lists the session only."""
        requirements = super().get_auth()
        view = self.view
        try:
            wanted = list(view.required_scopes(view.request, view.required_permission(view.request)))
        except Exception:
            return requirements
        if not wanted:
            return [requirement for requirement in requirements if "cookieAuth" in requirement]
        return [{name: (wanted if name == "oauth2" else value) for name, value in requirement.items()}
                for requirement in requirements]

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method in WRITE_METHODS:
            parameters = [*parameters, IDEMPOTENCY_PARAMETER]
        return parameters


def _enum_name(key: str) -> str:
    return "".join(part.capitalize() for part in key.replace("-", "_").split("_")) + "Enum"


def name_inline_enums(result, generator, request, public):
    """Post-processing hook: every enum of the document is a named component.

    drf-spectacular names the enums of serializer fields; those of query parameters (django-filter
    choices) and of hand-written field schemas stay inline, and a client generator then invents a
    class name per occurrence. An inline enum becomes a reference to the component with the same
    values, or to a new component named after its parameter or property."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    by_values = {frozenset(map(str, c["enum"])): name for name, c in schemas.items()
                 if "enum" in c and None not in c["enum"]}

    def named(schema: dict, key: str) -> dict:
        values = frozenset(map(str, schema["enum"]))
        name = by_values.get(values)
        if name is None:
            name = _enum_name(key)
            while name in schemas:
                name = "Query" + name
            schemas[name] = {k: v for k, v in schema.items() if k in ("type", "enum")}
            by_values[values] = name
        return {"$ref": f"#/components/schemas/{name}"}

    def inline_enum(node) -> bool:
        return isinstance(node, dict) and "enum" in node and None not in node["enum"]

    def visit(node, hint: str, in_properties: bool = False):
        if isinstance(node, dict):
            if "in" in node and "name" in node:  # a parameter: its enum is named after it
                hint = node["name"]
            children = node.items()
        elif isinstance(node, list):
            children = enumerate(node)
        else:
            return
        for key, child in list(children):
            child_hint = key if in_properties else hint
            if inline_enum(child):
                node[key] = named(child, child_hint)
            else:
                visit(child, child_hint, in_properties=key == "properties")

    visit(result.get("paths", {}), "")
    for component_name, component in list(schemas.items()):
        if "enum" not in component:
            visit(component, component_name)
    return result
