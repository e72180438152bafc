"""A local stand-in for Agora's FLS snapshot-settings REST API, the way moto stands in for AWS.

It lets ``pulumi up`` on a dev stack and the whole test suite run against a real HTTP server with the
documented rules (Basic or HMAC auth, path and body validation, merge semantics, error statuses) on all
three snapshot paths (the seed's legacy one, and the current reference's standard and custom ones, each its
own setting), plus what
the real service cannot give a test: fault injection, a log of what it received, and its own state to
compare.

Standard library only (plus ``agora_pulumi.regions``, the doc's tables, which imports nothing; the boundary
test also allows ``agora_pulumi.names``), and
independent of the provider (it never imports ``agora_pulumi.provider``, ``agora_pulumi.client`` or pulumi),
so it can also be run on its own: ``agora-fls-emulator --help``.

Layout, like moto's split of a service: :mod:`.models` (stored settings, entry points, request log; no
HTTP), :mod:`.responses` (the API's validation and handlers, pure), :mod:`.auth` (Basic and HMAC-SHA256
verification, pure), :mod:`.faults` (fault specs, the live queue, the answer each fault gives),
:mod:`.state` (config and the state one server shares), :mod:`.admin` (the ``/_emulator/...`` routes, a
dispatch table of pure functions behind an Origin/Host guard), :mod:`.server` (HTTP framing and the server's
lifecycle only), :mod:`.cli` and :mod:`.__main__` (the command line). Its test helpers
(``running_emulator``) live in :mod:`agora_pulumi.testing.emulator`, outside the production package.
"""

from __future__ import annotations

from .admin import AdminRequest, handle_admin, is_loopback_host
from .auth import Authenticator, AuthResult, SignedParts, verify_hmac
from .faults import FaultConfig, FaultInjector, FaultItem, parse_fault_spec
from .models import (
    DEFAULT_CUSTOMER_ID,
    DEFAULT_CUSTOMER_SECRET,
    KINDS,
    SettingKey,
    SettingKind,
    SettingsStore,
)
from .responses import MAX_BODY_BYTES, SNAPSHOT_APIS, SnapshotApi, validate_patch_body
from .server import EmulatorServer
from .state import EmulatorApp, EmulatorConfig

__all__ = [
    "DEFAULT_CUSTOMER_ID",
    "DEFAULT_CUSTOMER_SECRET",
    "KINDS",
    "MAX_BODY_BYTES",
    "SNAPSHOT_APIS",
    "AdminRequest",
    "AuthResult",
    "Authenticator",
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorServer",
    "FaultConfig",
    "FaultInjector",
    "FaultItem",
    "SettingKey",
    "SettingKind",
    "SettingsStore",
    "SignedParts",
    "SnapshotApi",
    "handle_admin",
    "is_loopback_host",
    "parse_fault_spec",
    "validate_patch_body",
    "verify_hmac",
]
