"""Migrations: the models and the migrations agree, and each app's history reads as one line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

OUR_APPS = ("hds_platform", "registry", "compliance")


def test_the_models_need_no_new_migration(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert out.getvalue() == "No changes detected\n"


@pytest.mark.parametrize("app", OUR_APPS)
def test_each_app_history_is_one_line(db, app):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = sorted(key for key in loader.graph.nodes if key[0] == app)
    # One leaf, one root, and every migration has at most one parent and one child in its app.
    assert len(loader.graph.leaf_nodes(app)) == 1
    assert [key for key in ours if not any(parent[0] == app for parent in loader.graph.node_map[key].parents)] \
        == [ours[0]]
    for key in ours:
        node = loader.graph.node_map[key]
        assert len([parent for parent in node.parents if parent[0] == app]) <= 1, key
        assert len([child for child in node.children if child[0] == app]) <= 1, key
        assert "merge" not in key[1], key
