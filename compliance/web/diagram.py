"""The layout of a hosting chain diagram: plain data in, boxes and edges with coordinates out.

The processing is the root box; the links without a parent (the organisation's direct
contractors, or the organisation itself) hang under it, and each subcontractor under the link it
works for. Each level of the tree is a row; a parent is centred above its subtree and leaves are
laid out left to right in the order given, so the same chain always gives the same picture.
A link whose parent is unknown, or that sits in a cycle, hangs under the root rather than
disappearing from the picture. The template draws the result as inline SVG.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from compliance.conformity.findings import CATALOGUE, Severity

BOX_WIDTH = 224
BOX_HEIGHT = 92
ROOT_HEIGHT = 56
H_GAP = 24
V_GAP = 48
MARGIN = 12
NAME_CHARS = 24
ACTIVITIES = (1, 2, 3, 4, 5, 6)
BADGE_SIZE = 22
BADGE_GAP = 6


class LinkState(StrEnum):
    """What the stored findings say about one link."""

    OK = "ok"  # no error nor warning on the link
    WARNING = "warning"  # a warning, or information missing to decide
    ERROR = "error"  # an error: the link is not covered
    PENDING = "pending"  # not evaluated since it was changed


STATE_RANK = {LinkState.ERROR: 0, LinkState.WARNING: 1, LinkState.PENDING: 2, LinkState.OK: 3}


def link_state(findings: Iterable[dict]) -> LinkState:
    """The state of a link from the stored findings that concern it."""
    state = LinkState.OK
    for finding in findings:
        spec = CATALOGUE.get(finding.get("code"))
        if finding.get("severity") == Severity.ERROR:
            return LinkState.ERROR
        if finding.get("severity") == Severity.WARNING or (spec is not None and spec.incomplete):
            state = LinkState.WARNING
    return state


@dataclass(frozen=True)
class DiagramLink:
    """One chain link as the diagram needs it."""

    id: int
    parent_id: int | None
    name: str
    is_self: bool
    activities: frozenset[int]
    state: LinkState
    messages: tuple[str, ...] = ()  # findings about the link, shown as a tooltip
    supplier_id: int | None = None  # the actor's page, when it is a supplier


@dataclass(frozen=True)
class Badge:
    activity: int
    performed: bool
    x: int
    y: int


@dataclass(frozen=True)
class Box:
    link: DiagramLink | None  # None for the root (the processing)
    level: int
    x: int
    y: int
    width: int
    height: int
    label: str  # the name, shortened to fit the box
    badges: tuple[Badge, ...] = ()

    @property
    def centre_x(self) -> int:
        return self.x + self.width // 2

    @property
    def bottom(self) -> int:
        return self.y + self.height


@dataclass(frozen=True)
class Edge:
    parent: Box
    child: Box

    @property
    def path(self) -> str:
        """An elbow from the bottom centre of the parent to the top centre of the child."""
        middle = self.parent.bottom + V_GAP // 2
        return (f"M{self.parent.centre_x} {self.parent.bottom} V{middle} "
                f"H{self.child.centre_x} V{self.child.y}")

    @property
    def state(self) -> LinkState:
        return self.child.link.state


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    root: Box
    boxes: tuple[Box, ...]  # the links' boxes, in reading order (level, then left to right)
    edges: tuple[Edge, ...] = field(default=())


def shorten(name: str, limit: int = NAME_CHARS) -> str:
    name = " ".join(name.split())
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def layout(root_label: str, links: Sequence[DiagramLink]) -> Diagram:
    """Place the root and one box per link; return the boxes and the parent → child edges."""
    ids = {link.id for link in links}
    children: dict[int | None, list[DiagramLink]] = {}
    for link in links:
        parent = link.parent_id if link.parent_id in ids and link.parent_id != link.id else None
        children.setdefault(parent, []).append(link)

    # Walk from the root; a link reached twice (a cycle) or never (a cycle cut off from the
    # root) is attached to the root so that every link is drawn exactly once.
    reached: set[int] = set()
    tree: dict[int | None, list[DiagramLink]] = {}

    def walk(parent: int | None) -> None:
        for child in children.get(parent, []):
            if child.id in reached:
                continue
            reached.add(child.id)
            tree.setdefault(parent, []).append(child)
            walk(child.id)

    walk(None)
    for link in links:
        if link.id not in reached:
            reached.add(link.id)
            tree.setdefault(None, []).append(link)
            walk(link.id)

    widths: dict[int | None, int] = {}

    def subtree_width(node: int | None) -> int:
        kids = tree.get(node, [])
        own = BOX_WIDTH
        total = sum(subtree_width(kid.id) for kid in kids) + H_GAP * max(len(kids) - 1, 0)
        widths[node] = max(own, total)
        return widths[node]

    total_width = subtree_width(None)
    boxes: list[Box] = []
    edges: list[Edge] = []

    def row_y(level: int) -> int:
        if level == 0:
            return MARGIN
        return MARGIN + ROOT_HEIGHT + V_GAP + (level - 1) * (BOX_HEIGHT + V_GAP)

    def place(node: int | None, link: DiagramLink | None, left: int, level: int) -> Box:
        span = widths[node]
        height = ROOT_HEIGHT if link is None else BOX_HEIGHT
        x = left + (span - BOX_WIDTH) // 2
        y = row_y(level)
        box = Box(
            link=link, level=level, x=x, y=y, width=BOX_WIDTH, height=height,
            label=shorten(root_label if link is None else link.name),
            badges=() if link is None else _badges(link, x, y),
        )
        if link is not None:
            boxes.append(box)
        kids = tree.get(node, [])
        kids_width = sum(widths[kid.id] for kid in kids) + H_GAP * max(len(kids) - 1, 0)
        cursor = left + (span - kids_width) // 2
        for kid in kids:
            child = place(kid.id, kid, cursor, level + 1)
            edges.append(Edge(parent=box, child=child))
            cursor += widths[kid.id] + H_GAP
        return box

    root = place(None, None, MARGIN, 0)
    depth = max((box.level for box in boxes), default=0)
    height = row_y(depth) + (BOX_HEIGHT if depth else ROOT_HEIGHT) + MARGIN
    boxes.sort(key=lambda box: (box.level, box.x))
    return Diagram(width=total_width + 2 * MARGIN, height=height, root=root, boxes=tuple(boxes),
                   edges=tuple(edges))


def _badges(link: DiagramLink, x: int, y: int) -> tuple[Badge, ...]:
    row_width = len(ACTIVITIES) * BADGE_SIZE + (len(ACTIVITIES) - 1) * BADGE_GAP
    left = x + (BOX_WIDTH - row_width) // 2
    top = y + BOX_HEIGHT - BADGE_SIZE - 10
    return tuple(
        Badge(activity=n, performed=n in link.activities, x=left + i * (BADGE_SIZE + BADGE_GAP), y=top)
        for i, n in enumerate(ACTIVITIES)
    )
