from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator

from hds_platform.tenancy import introspection


class SchemaGenerator(BaseSchemaGenerator):
    """Generates the OpenAPI document with tenant managers in introspection mode (empty querysets)."""

    def get_schema(self, request=None, public=False):
        with introspection():
            return super().get_schema(request=request, public=public)

