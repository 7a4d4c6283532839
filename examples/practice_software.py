"""A practice software's side of Maillon: connect each practice, then read its conformity.

Each practice (an organisation on Maillon) authorises this software once, from Maillon's consent
page (OAuth 2.0 authorization code with PKCE); the software keeps one pair of tokens per
practice, refreshes them when they expire, and reads every practice's conformity.

    python examples/practice_software.py connect --base-url https://maillon.example \\
        --client-id ID [--client-secret SECRET] --redirect-uri https://software.example/callback
    python examples/practice_software.py sync --base-url https://maillon.example --client-id ID ...

``connect`` prints the URL to open, then asks for the code (or the whole address the browser was
sent back to); ``sync`` reads every connected practice. Tokens are kept in a JSON file
(``--store``, default ``practices.json``): keep it as secret as a password.

Keeping the local copy up to date: :func:`sync_from_events` reads the whole conformity list once,
then only the ``conformity.changed`` events that occurred since (``…/events/``, the same payloads
webhooks carry), so a practice with nothing new costs one small request; it reads everything again
once a day (:data:`FULL_READ_EVERY`), which also picks up processings created in between (a first
evaluation is not a change, so it has no event). :func:`sync_from_conformity_list` is the full read.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

SCOPES = "conformity:read"
#: How often :func:`sync_from_events` reads a practice's whole conformity list again.
FULL_READ_EVERY = timedelta(days=1)


@dataclass
class App:
    base_url: str
    client_id: str
    redirect_uri: str
    client_secret: str = ""


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float
    scope: str
    organisation: str = ""


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier (kept) and its S256 challenge (sent in the authorization URL)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization_url(app: App, challenge: str, state: str, scope: str = SCOPES) -> str:
    """Where the practice's owner authorises the software (Maillon's consent page)."""
    return f"{app.base_url}/oauth/authorize/?" + urlencode({
        "response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri,
        "scope": scope, "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})


def code_from_answer(answer: str, state: str) -> str:
    """The code, from what the owner pasted: the code itself or the whole redirect address."""
    answer = answer.strip()
    if "?" not in answer:
        return answer
    query = parse_qs(urlparse(answer).query)
    if "error" in query:
        raise RuntimeError(f"authorisation refused: {query['error'][0]}")
    if query.get("state", [""])[0] != state:
        raise RuntimeError("the state does not match: start again")
    return query["code"][0]


def _tokens(body: dict) -> Tokens:
    return Tokens(access_token=body["access_token"], refresh_token=body["refresh_token"],
                  expires_at=time.time() + body["expires_in"], scope=body["scope"])


def _token_request(http: httpx.Client, app: App, data: dict) -> Tokens:
    data = {**data, "client_id": app.client_id}
    if app.client_secret:
        data["client_secret"] = app.client_secret
    response = http.post(f"{app.base_url}/oauth/token/", data=data)
    if response.status_code != 200:
        raise RuntimeError(f"token endpoint: {response.status_code} {response.text}")
    return _tokens(response.json())


def exchange_code(http: httpx.Client, app: App, code: str, verifier: str) -> Tokens:
    """Trade the authorization code for tokens, and learn which practice they act for."""
    tokens = _token_request(http, app, {"grant_type": "authorization_code", "code": code,
                                        "redirect_uri": app.redirect_uri, "code_verifier": verifier})
    me = http.get(f"{app.base_url}/api/v1/me/", headers=_auth(tokens))
    me.raise_for_status()
    tokens.organisation = me.json()["app"]["organisation"]
    return tokens


def refresh_tokens(http: httpx.Client, app: App, tokens: Tokens) -> Tokens:
    """A new pair (refresh tokens are rotated: the old one stops working)."""
    fresh = _token_request(http, app, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})
    fresh.organisation = tokens.organisation
    return fresh


def _auth(tokens: Tokens) -> dict:
    return {"Authorization": f"Bearer {tokens.access_token}"}


def api_get(http: httpx.Client, app: App, tokens: Tokens, path: str, *, params=None) -> tuple[dict, Tokens]:
    """GET an API path for one practice, refreshing the tokens first when they are (about to be)
    expired, and once more if Maillon says they are. Honours 429 ``Retry-After``."""
    if tokens.expires_at - 30 < time.time():
        tokens = refresh_tokens(http, app, tokens)
    url = path if path.startswith(("http://", "https://")) else f"{app.base_url}{path}"
    for _attempt in range(3):
        response = http.get(url, headers=_auth(tokens), params=params)
        if response.status_code == 401 and response.json().get("code") == "token_expired":
            tokens = refresh_tokens(http, app, tokens)
            continue
        if response.status_code == 429:
            time.sleep(int(response.headers.get("Retry-After", "1")))
            continue
        response.raise_for_status()
        return response.json(), tokens
    raise RuntimeError(f"{path}: no answer after 3 attempts")


def read_conformity(http: httpx.Client, app: App, tokens: Tokens) -> tuple[dict, Tokens]:
    """One practice's conformity: the summary and each processing's status."""
    base = f"/api/v1/orgs/{tokens.organisation}"
    summary, tokens = api_get(http, app, tokens, f"{base}/conformity/")
    processings: dict[int, dict] = {}
    url: str | None = f"{base}/processings/"
    while url:  # follow "next", whatever the pagination
        page, tokens = api_get(http, app, tokens, url)
        for row in page["results"]:
            processings[row["id"]] = {"name": row["name"], "status": row.get("conformity_status")}
        url = page.get("next")
    return {"summary": summary, "processings": processings}, tokens


def sync_from_conformity_list(http: httpx.Client, app: App, tokens: Tokens, copy: dict) -> tuple[list, Tokens]:
    """Bring the local copy of one practice up to date by reading its conformity list again;
    what changed since the last run: [(processing id, old status, new status)]."""
    current, tokens = read_conformity(http, app, tokens)
    before = copy.get("processings", {})
    changes = [(pid, before.get(str(pid), {}).get("status"), row["status"])
               for pid, row in current["processings"].items()
               if str(pid) not in before or before[str(pid)]["status"] != row["status"]]
    copy.clear()
    copy.update({"summary": current["summary"],
                 "processings": {str(pid): row for pid, row in current["processings"].items()}})
    return changes, tokens


def sync_from_events(http: httpx.Client, app: App, tokens: Tokens, copy: dict) -> tuple[list, Tokens]:
    """Bring the local copy of one practice up to date from the events that occurred since the last
    run (a full read the first time and once a day); what changed: [(processing id, old, new)]."""
    now = datetime.now(UTC)
    full_read_at = copy.get("full_read_at")
    if full_read_at is None or now - datetime.fromisoformat(full_read_at) >= FULL_READ_EVERY:
        changes, tokens = sync_from_conformity_list(http, app, tokens, copy)
        # Events from this instant on: one that lands during the read is applied again, harmlessly.
        copy.update({"full_read_at": now.isoformat(), "events_since": now.isoformat(), "events_seen": []})
        return changes, tokens
    base = f"/api/v1/orgs/{tokens.organisation}"
    seen = set(copy["events_seen"])  # "since" is inclusive: events of that very instant already applied
    newest, at_newest = copy["events_since"], set(seen)
    changes = []
    url: str | None = f"{base}/events/"
    params: dict | None = {"type": "conformity.changed", "since": copy["events_since"]}
    while url:
        page, tokens = api_get(http, app, tokens, url, params=params)
        params = None  # "next" carries them
        for event in page["results"]:
            if event["id"] in seen:
                continue
            data = event["payload"]["data"]
            key = str(data["processing"]["id"])
            row = copy["processings"].setdefault(key, {"name": data["processing"]["name"], "status": None})
            changes.append((int(key), row["status"], data["to_status"]))
            row["status"] = data["to_status"]
            if event["occurred_at"] != newest:
                newest, at_newest = event["occurred_at"], set()
            at_newest.add(event["id"])
        url = page.get("next")
    copy.update({"events_since": newest, "events_seen": sorted(at_newest)})
    if changes:
        copy["summary"], tokens = api_get(http, app, tokens, f"{base}/conformity/")
    return changes, tokens


# Command line -------------------------------------------------------------------------------------


def _load(store: Path) -> dict:
    return json.loads(store.read_text()) if store.exists() else {"practices": {}}


def _save(store: Path, data: dict) -> None:
    store.write_text(json.dumps(data, indent=2))
    store.chmod(0o600)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["connect", "sync"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", default="")
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--store", type=Path, default=Path("practices.json"))
    args = parser.parse_args(argv)
    app = App(args.base_url.rstrip("/"), args.client_id, args.redirect_uri, args.client_secret)
    data = _load(args.store)
    with httpx.Client(timeout=10) as http:
        if args.command == "connect":
            verifier, challenge = pkce_pair()
            state = secrets.token_urlsafe(16)
            print("Open this address, sign in as the practice's owner, choose the practice and authorise:")
            print(authorization_url(app, challenge, state))
            code = code_from_answer(input("Code (or the address you were sent back to): "), state)
            tokens = exchange_code(http, app, code, verifier)
            data["practices"][tokens.organisation] = {"tokens": asdict(tokens), "copy": {}}
            print(f"Connected: {tokens.organisation}")
        else:
            for slug, practice in data["practices"].items():
                tokens = Tokens(**practice["tokens"])
                changes, tokens = sync_from_events(http, app, tokens, practice["copy"])
                practice["tokens"] = asdict(tokens)
                counts = practice["copy"]["summary"].get("by_status", {})
                print(f"{slug}: {counts} — {len(changes)} change(s)")
                for pid, old, new in changes:
                    print(f"  processing {pid}: {old} -> {new}")
    _save(args.store, data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
