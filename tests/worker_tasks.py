"""Tasks used only by the tests that drive a real worker (imported by it with ``--include``)."""

from hds_platform import audit
from hds_platform.audit import Actor
from hds_platform.tasks import tenant_task


@tenant_task(name="tests.record_marker", acks_late=True)
def record_marker(organisation, marker: str):
    """Leave a trace the test can see: an audit event written by the worker."""
    audit.record(organisation=organisation, actor=Actor.system("worker"), action="test.marker",
                 changes={"marker": marker})
