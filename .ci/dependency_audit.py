"""CI gate: known vulnerabilities of the locked dependencies (pip-audit over requirements.lock).

pip-audit looks each pinned package up in its advisory database over the network. Where that
database cannot be reached — no network, or a registry mirror that serves packages but not their
vulnerability data, where pip-audit reports every package "not found … could not be audited" and
then, misleadingly, "No known vulnerabilities found" — the audit has not run: this says so plainly
and exits 0, so that the rest of CI still runs. Where it can be reached, a known vulnerability
fails the step, and packages it could not look up are listed.
Usage: ``python .ci/dependency_audit.py requirements.lock``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

#: What pip-audit prints when it could not talk to the advisory database at all.
UNREACHABLE = (
    "ConnectionError", "ConnectTimeout", "ReadTimeout", "Max retries exceeded", "NameResolutionError",
    "Failed to establish a new connection", "Temporary failure in name resolution", "Network is unreachable",
    "Connection refused", "ProxyError", "SSLError",
)
NOT_AUDITED = re.compile(r"^(\S+)\s+Dependency not found .* could not be audited", re.MULTILINE)
PINNED = re.compile(r"^([A-Za-z0-9._-]+)==", re.MULTILINE)


def _not_run(lock_file: str, why: str) -> int:
    print(f"DEPENDENCY AUDIT NOT RUN: {why}; {lock_file} was NOT checked for known vulnerabilities. "
          "Run `make audit` where the advisory database is reachable.")
    return 0


def main(lock_file: str) -> int:
    pinned = set(PINNED.findall(Path(lock_file).read_text(encoding="utf-8")))
    command = [sys.executable, "-m", "pip_audit", "--requirement", lock_file, "--require-hashes", "--disable-pip",
               "--progress-spinner", "off", "--timeout", "20"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    output = (result.stdout + result.stderr).strip()
    not_audited = set(NOT_AUDITED.findall(output))
    if result.returncode != 0 and any(marker in output for marker in UNREACHABLE):
        last = output.splitlines()[-1] if output else "no output"
        return _not_run(lock_file, f"the advisory database cannot be reached from this machine ({last})")
    if pinned and len(not_audited) >= len(pinned):
        return _not_run(lock_file, f"the advisory database answered for none of the {len(pinned)} pinned "
                                   "packages (a registry mirror without vulnerability data?)")
    print(output)
    if not_audited:
        names = ", ".join(sorted(not_audited))
        print(f"dependency audit: {len(not_audited)} package(s) could not be looked up: {names}")
    if result.returncode == 0:
        print(f"dependency audit: {len(pinned) - len(not_audited)} package(s) of {lock_file} checked, "
              "no known vulnerability")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock"))
