"""Credentials held in plain text in the stack config, found before they reach the state.

Why the program must look: the engine records the whole stack config as the inputs of the provider that
serves dynamic resources, and a value set without ``--secret`` is recorded as it is, in plain text, however
the program reads it (``require_secret`` and ``Output.secret`` only protect the resource's own properties).
The dynamic provider cannot see this (the SDK's server unwraps the secrets of its configuration before the
provider is called); the program can (the engine tells it which keys are secret), and it runs before the
provider is registered.

Pure functions: no Pulumi, no HTTP. The caller passes the config, the secrecy test and the environment.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urlsplit

from .client_config import is_loopback_host

CUSTOMER_SECRET = "agora:customerSecret"

_KEY_NAME = re.compile(r"(access|secret)[_-]?key$|password$|^customersecret$", re.IGNORECASE)
"""Names that hold a credential: storage keys (``accessKey``, ``ossSecretKey``, ``secret_key``), passwords."""

_PLAIN_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")


def plaintext_credentials(config: Mapping[str, Any], is_secret: Callable[[str], bool]) -> list[str]:
    """The ``pulumi config set --secret`` command of every credential held in plain text, in config order.

    A credential is ``agora:customerSecret`` or a value whose name (or nested field name, for an object
    value such as the fleet's ``storageProfiles``) is a key's: ``accessKey``, ``secretKey``, ``*AccessKey``,
    ``password``. A key the engine marks secret is skipped whole: the engine then records it encrypted.
    """
    commands: list[str] = []
    for key, raw in config.items():
        if is_secret(key):
            continue
        namespace, _, name = key.partition(":")
        if key == CUSTOMER_SECRET or _KEY_NAME.search(name):
            if _non_empty(raw):
                commands.append(f"pulumi config set --secret {key}")
            continue
        value = _decoded(raw)
        if isinstance(value, (Mapping, list)):
            commands.extend(
                f"pulumi config set --secret --path '{key}{path}'" for path in _credential_paths(value)
            )
    return commands


def _credential_paths(value: Any, path: str = "") -> Iterator[str]:
    items = value.items() if isinstance(value, Mapping) else enumerate(value) if isinstance(value, list) else ()
    for field, item in items:
        here = f"{path}[{field}]" if isinstance(field, int) else path + _segment(str(field))
        if isinstance(field, str) and _KEY_NAME.search(field) and _non_empty(item):
            yield here
        else:
            yield from _credential_paths(item, here)


def _segment(name: str) -> str:
    return f".{name}" if _PLAIN_SEGMENT.match(name) else f'["{name}"]'


def _decoded(raw: Any) -> Any:
    if isinstance(raw, str) and raw[:1] in "{[":
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return raw


def _non_empty(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def only_loopback_endpoints(config: Mapping[str, Any], environ: Mapping[str, str]) -> bool:
    """Every Agora endpoint configured is a loopback address (the emulator, whose credentials are public demo
    values). No endpoint configured means Agora's own: ``False``."""
    raw = config.get("agora:endpoints") or config.get("agora:endpoint")
    if raw is None:
        raw = environ.get("AGORA_ENDPOINTS") or environ.get("AGORA_ENDPOINT")
    value = _decoded(raw)
    urls = value if isinstance(value, list) else str(value or "").split(",")
    hosts = [urlsplit(str(url).strip()).hostname or "" for url in urls if str(url).strip()]
    return bool(hosts) and all(is_loopback_host(host) for host in hosts)


def plaintext_message(commands: list[str], refused: bool) -> str:
    """What the user reads: why it matters, and the exact commands (``pulumi config set --secret`` prompts
    for the value, so it stays out of shell history)."""
    head = (
        f"{len(commands)} credential{'s are' if len(commands) > 1 else ' is'} set in plain text in the stack "
        "config. The engine records the stack config as the provider's inputs, so "
        f"{'they' if len(commands) > 1 else 'it'} would be stored unencrypted in the state (Output.secret in "
        "the program does not change that). Set each one as a secret (pulumi prompts for the value):"
    )
    if refused:
        tail = "Nothing was registered; run the command again afterwards."
    else:
        tail = (
            "Allowed only because every agora endpoint is a loopback address (the emulator's public demo "
            "values); against Agora this stops the run."
        )
    return "\n".join([head, *(f"  {command}" for command in commands), tail])
