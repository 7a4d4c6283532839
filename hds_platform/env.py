"""Strict readers for settings that come from the environment.

Each reader refuses a value it cannot parse instead of guessing, so that a
typo in a deployment stops start-up with a message naming the variable.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0, yes/no), not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_ports(name: str) -> frozenset[int]:
    """Comma-separated TCP ports or ranges (``8080,9000-9100``)."""
    ports: set[int] = set()
    for item in env_list(name, []):
        low, _sep, high = item.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must list ports or ranges (8080,9000-9100), not {item!r}.") from None
        if not 1 <= first <= last <= 65535:
            raise ImproperlyConfigured(f"{name}: {item!r} is not a port or range between 1 and 65535.")
        ports.update(range(first, last + 1))
    return frozenset(ports)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


WEAK_SECRETS = {"", "changeme", "change-me", "secret", "django-insecure", "dev"}


def check_secret_key(value: str) -> str:
    """A production secret must be long and not a placeholder."""
    if value.lower() in WEAK_SECRETS or value.startswith("django-insecure") or len(value) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or weak: production mode (DEBUG=false) needs a random value of "
            "at least 50 characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    if len(set(value)) < 5:
        raise ImproperlyConfigured("SECRET_KEY has fewer than 5 distinct characters: use a random value.")
    return value
