"""A local stand-in for Agora's FLS snapshot-settings REST API, the way moto stands in for AWS.

It lets ``pulumi up`` on a dev stack and the whole test suite run against a real HTTP server with the
documented rules (auth, path and body validation, merge semantics, error statuses), plus what the real
service cannot give a test: fault injection, a log of what it received, and its own state to compare.

Standard library only, and independent of the provider (it never imports ``agora_pulumi.provider``,
``agora_pulumi.client`` or pulumi), so it can also be run on its own: ``agora-fls-emulator --help``.

Layout, like moto: :mod:`.models` (state), :mod:`.responses` (validation and handlers), :mod:`.server`
(HTTP, routing, faults, admin, logging), :mod:`.cli` and :mod:`.__main__` (CLI). Its test helpers
(``running_emulator``) live in :mod:`agora_pulumi.testing.emulator`, outside the production package.
"""

from __future__ import annotations

from .models import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET, SettingKey, SettingsStore
from .responses import MAX_BODY_BYTES, validate_patch_body
from .server import EmulatorConfig, EmulatorServer, FaultConfig, FaultItem, parse_fault_spec

__all__ = [
    "DEFAULT_CUSTOMER_ID",
    "DEFAULT_CUSTOMER_SECRET",
    "MAX_BODY_BYTES",
    "EmulatorConfig",
    "EmulatorServer",
    "FaultConfig",
    "FaultItem",
    "SettingKey",
    "SettingsStore",
    "parse_fault_spec",
    "validate_patch_body",
]
