"""Reports and attestations: what an organisation hands an auditor, a client or practice software.

Reports are jobs (:class:`~compliance.reports.models.Report`): a member or a token asks for a kind
in a format, a task on the ``reports`` queue writes the file to storage, reporting its progress,
and the file is downloaded only through authorised views. One module per kind in ``generation/``;
``pdf.py`` renders HTML templates with WeasyPrint behind a URL fetcher that serves only the
project's static files and ``data:`` URIs; ``tabular.py`` writes CSV and XLSX with formula-looking
cells made inert. ``attestations/`` signs the organisation's conformity answer as a compact JWS
(Ed25519) that anyone can verify with the public keys at ``/.well-known/jwks.json``.

An app of its own (label ``reports``), above the pages: it reuses their chain diagram, and the
pages offer reports through templates only.
"""
