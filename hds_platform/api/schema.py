from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from hds_platform.api.idempotency import HEADER, WRITE_METHODS
from hds_platform.tenancy import introspection


class SchemaGenerator(BaseSchemaGenerator):
    """Generates the OpenAPI document with tenant managers in introspection mode (empty querysets)."""

    def get_schema(self, request=None, public=False):
        with introspection():
            return super().get_schema(request=request, public=public)



IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Makes the write safe to retry: 1 to 255 visible ASCII characters, e.g. a UUID. The same key "
                "with the same request answers the first (successful) response again for 24 hours "
                "(Idempotent-Replayed: true); with another request, 422 idempotency_key_reused; while the first "
                "still runs, 409 idempotency_key_in_use.",
)


class TenantAutoSchema(AutoSchema):
    """The schema of a tenant view: its writes take an ``Idempotency-Key`` header."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method in WRITE_METHODS:
            parameters = [*parameters, IDEMPOTENCY_PARAMETER]
        return parameters
