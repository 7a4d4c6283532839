"""The CI gates of .ci/run (hardening, point 9): the lock file and the dependency audit's verdicts."""

import importlib.util
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _audit_module():
    spec = importlib.util.spec_from_file_location("dependency_audit", ROOT / ".ci" / "dependency_audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_dependency_with_hashes_and_names_no_local_index():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    wanted = {_normalise(re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0]) for requirement in declared}
    pinned = {_normalise(name) for name in re.findall(r"^([A-Za-z0-9._-]+)==", lock, re.MULTILINE)}
    assert wanted - pinned == set()
    blocks = re.findall(r"^[A-Za-z0-9._-]+==\S+ \\\n((?:    .*\n)+)", lock, re.MULTILINE)
    assert len(blocks) == len(pinned) and all("--hash=sha256:" in block for block in blocks)
    assert not re.search(r"^--(extra-)?index-url|^--find-links|file://", lock, re.MULTILINE)


def _fake_audit(monkeypatch, returncode, output):
    module = _audit_module()
    monkeypatch.setattr(module.subprocess, "run", lambda *args, **kwargs: subprocess.CompletedProcess(
        args, returncode, stdout=output, stderr=""))
    return module


@pytest.fixture
def lock(tmp_path):
    path = tmp_path / "requirements.lock"
    path.write_text("django==5.2.19 \\\n    --hash=sha256:aa\nhttpx==0.28.1 \\\n    --hash=sha256:bb\n")
    return str(path)


def test_an_unreachable_advisory_database_is_said_plainly_and_does_not_fail(monkeypatch, capsys, lock):
    module = _fake_audit(monkeypatch, 1, "requests.exceptions.ConnectionError: Max retries exceeded")
    assert module.main(lock) == 0
    assert capsys.readouterr().out.startswith("DEPENDENCY AUDIT NOT RUN: the advisory database cannot be reached")


def test_a_mirror_that_knows_no_package_is_not_taken_for_a_clean_audit(monkeypatch, capsys, lock):
    output = ("django  Dependency not found on PyPI and could not be audited: django (5.2.19)\n"
              "httpx   Dependency not found on PyPI and could not be audited: httpx (0.28.1)\n"
              "No known vulnerabilities found\n")
    module = _fake_audit(monkeypatch, 0, output)
    assert module.main(lock) == 0
    assert "DEPENDENCY AUDIT NOT RUN: the advisory database answered for none of the 2 pinned packages" in (
        capsys.readouterr().out)


def test_a_known_vulnerability_fails_the_gate(monkeypatch, capsys, lock):
    module = _fake_audit(monkeypatch, 1, "Found 1 known vulnerability in 1 package\ndjango 5.2.19 GHSA-xxxx 5.2.20\n")
    assert module.main(lock) == 1
    assert "GHSA-xxxx" in capsys.readouterr().out


def test_a_clean_audit_says_how_many_packages_it_checked(monkeypatch, capsys, lock):
    module = _fake_audit(monkeypatch, 0, "No known vulnerabilities found\n")
    assert module.main(lock) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"dependency audit: 2 package(s) of {lock} checked, no known vulnerability")


def test_ci_runs_the_gates_on_both_databases():
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in run.splitlines() if not line.lstrip().startswith("echo")]
    assert sum(line.endswith("make api-contract") for line in commands) == 2
    assert sum(line == "make audit" for line in commands) == 1
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-m pytest -m api_contract tests/api_contract" in makefile


def test_ci_runs_the_generated_client_smoke_flow_on_postgresql_after_the_api_contract():
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in run.splitlines()
                if line.strip() and not line.lstrip().startswith(("echo", "#"))]
    assert commands.count("make client-smoke") == 1
    smoke = commands.index("make client-smoke")
    # Right after the PostgreSQL contract run, before the environment is emptied for SQLite.
    assert commands[smoke - 1] == "make api-contract"
    assert smoke < next(i for i, line in enumerate(commands) if line.startswith("env -u DATABASE_URL"))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-m pytest -m client_smoke tests/client_smoke -s" in makefile
