"""``/api/schema/`` served from memory (a module of its own: drf-spectacular's views read the
generator class of ``hds_platform.api.schema`` when they are imported)."""

import threading

from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class CachedSpectacularAPIView(SpectacularAPIView):
    """``/api/schema/``: the document is built once per process (and API version), then served from
    memory; generating it walks every view and serializer (seconds). It is in English whatever the
    request's language (``hds_platform.api.schema``), so the language is not part of the key."""

    _documents: dict = {}
    _lock = threading.Lock()

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, self.serve_public)
        document = self._documents.get(key)
        if document is None:
            with self._lock:
                document = self._documents.get(key)
                if document is None:
                    generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
                    document = self._documents[key] = generator.get_schema(request=request, public=self.serve_public)
        return Response(
            data=document,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )
