import itertools

from compliance.web.diagram import (
    BADGE_GAP,
    BADGE_SIZE,
    BOX_HEIGHT,
    BOX_WIDTH,
    H_GAP,
    MARGIN,
    ROOT_HEIGHT,
    V_GAP,
    DiagramLink,
    LinkState,
    layout,
    link_state,
    shorten,
)


def link(id, parent=None, name=None, activities=(1, 2), state=LinkState.OK, is_self=False):
    return DiagramLink(id=id, parent_id=parent, name=name or f"Fournisseur {id}", is_self=is_self,
                       activities=frozenset(activities), state=state)


LEVEL1_Y = MARGIN + ROOT_HEIGHT + V_GAP
LEVEL2_Y = LEVEL1_Y + BOX_HEIGHT + V_GAP


def test_an_empty_chain_is_the_root_alone():
    diagram = layout("Téléconsultation", [])
    assert diagram.boxes == ()
    assert diagram.edges == ()
    assert (diagram.root.x, diagram.root.y, diagram.root.label) == (MARGIN, MARGIN, "Téléconsultation")
    assert (diagram.width, diagram.height) == (BOX_WIDTH + 2 * MARGIN, MARGIN + ROOT_HEIGHT + MARGIN)


def test_direct_links_form_one_row_under_the_root_in_the_order_given():
    diagram = layout("Dossier patient", [link(7), link(3), link(5)])
    assert [box.link.id for box in diagram.boxes] == [7, 3, 5]
    assert [box.x for box in diagram.boxes] == [MARGIN, MARGIN + BOX_WIDTH + H_GAP, MARGIN + 2 * (BOX_WIDTH + H_GAP)]
    assert {box.y for box in diagram.boxes} == {LEVEL1_Y}
    assert {box.level for box in diagram.boxes} == {1}
    row = 3 * BOX_WIDTH + 2 * H_GAP
    assert diagram.width == row + 2 * MARGIN
    assert diagram.height == LEVEL1_Y + BOX_HEIGHT + MARGIN
    # The root is centred above the row.
    assert diagram.root.x == MARGIN + (row - BOX_WIDTH) // 2
    assert [(edge.parent, edge.child.link.id) for edge in diagram.edges] == [(diagram.root, 7), (diagram.root, 3),
                                                                             (diagram.root, 5)]


def test_subcontractors_hang_under_their_parent_centred_on_their_subtree():
    diagram = layout("Imagerie", [link(1), link(2, parent=1), link(3, parent=1), link(4)])
    by_id = {box.link.id: box for box in diagram.boxes}
    assert [box.link.id for box in diagram.boxes] == [1, 4, 2, 3]
    assert (by_id[2].level, by_id[2].y, by_id[2].x) == (2, LEVEL2_Y, MARGIN)
    assert by_id[3].x == MARGIN + BOX_WIDTH + H_GAP
    # Link 1 spans its two children; link 4 comes after that span.
    assert by_id[1].x == MARGIN + (2 * BOX_WIDTH + H_GAP - BOX_WIDTH) // 2
    assert by_id[4].x == MARGIN + 2 * BOX_WIDTH + 2 * H_GAP
    assert diagram.height == LEVEL2_Y + BOX_HEIGHT + MARGIN
    parent_of = {edge.child.link.id: (edge.parent.link.id if edge.parent.link else None) for edge in diagram.edges}
    assert parent_of == {1: None, 2: 1, 3: 1, 4: None}


def test_edges_are_elbows_from_the_parent_bottom_to_the_child_top():
    diagram = layout("Imagerie", [link(1), link(2, parent=1)])
    edge = next(edge for edge in diagram.edges if edge.child.link.id == 2)
    parent, child = edge.parent, edge.child
    assert parent.centre_x == child.centre_x == MARGIN + BOX_WIDTH // 2
    middle = LEVEL1_Y + BOX_HEIGHT + V_GAP // 2
    assert edge.path == f"M{parent.centre_x} {LEVEL1_Y + BOX_HEIGHT} V{middle} H{child.centre_x} V{LEVEL2_Y}"


def test_an_unknown_parent_or_a_cycle_still_draws_every_link_once():
    diagram = layout("Orphelins", [link(1, parent=99), link(2, parent=3), link(3, parent=2), link(4, parent=4)])
    assert sorted(box.link.id for box in diagram.boxes) == [1, 2, 3, 4]
    levels = {box.link.id: box.level for box in diagram.boxes}
    assert levels == {1: 1, 2: 1, 3: 2, 4: 1}
    assert len(diagram.edges) == 4


def test_badges_show_the_six_activities_and_which_are_performed():
    diagram = layout("Sauvegarde", [link(1, activities=(5, 6))])
    box = diagram.boxes[0]
    assert [(badge.activity, badge.performed) for badge in box.badges] == [
        (1, False), (2, False), (3, False), (4, False), (5, True), (6, True)]
    xs = [badge.x for badge in box.badges]
    assert [b - a for a, b in itertools.pairwise(xs)] == [BADGE_SIZE + BADGE_GAP] * 5
    assert xs[0] - box.x == box.x + box.width - (xs[-1] + BADGE_SIZE)  # centred in the box
    assert {badge.y for badge in box.badges} == {box.y + BOX_HEIGHT - BADGE_SIZE - 10}


def test_long_names_are_shortened_for_the_box_only():
    name = "Société Européenne d'Infogérance Hospitalière"
    diagram = layout("Traitement", [link(1, name=name)])
    assert diagram.boxes[0].label == "Société Européenne d'In…"
    assert diagram.boxes[0].link.name == name
    assert shorten("  Court   nom ") == "Court nom"


def test_link_state_from_findings():
    assert link_state([]) == LinkState.OK
    assert link_state([{"code": "backup.none_recorded", "severity": "info"}]) == LinkState.OK
    assert link_state([{"code": "evidence.certificate_expiring", "severity": "warning"}]) == LinkState.WARNING
    # Information only, but it leaves the result incomplete: orange.
    assert link_state([{"code": "registry.match_suggested", "severity": "info"}]) == LinkState.WARNING
    assert link_state([
        {"code": "evidence.certificate_expiring", "severity": "warning"},
        {"code": "coverage.activity_not_covered", "severity": "error"},
    ]) == LinkState.ERROR
    assert link_state([{"code": "some.future_code", "severity": "info"}]) == LinkState.OK
