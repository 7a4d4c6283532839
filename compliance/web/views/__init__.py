"""The compliance pages of an organisation, under ``/o/<org>/``.

Reads go through ``compliance.selectors`` and ``compliance.web.pages``; every write calls a service
of ``compliance.services``. A form that works with HTMX also works as a plain POST followed by
a redirect.
"""
