"""Agora FLS snapshot-capturing settings as Pulumi resources.

``from agora_pulumi import SnapshotSetting, StorageConfigArgs`` is all an infra program needs (or
``StandardSnapshotSetting`` / ``CustomSnapshotSetting`` for the current Media Broadcast API's two paths).

The resource names are loaded lazily (PEP 562): the emulator and the policy pack import
``agora_pulumi.regions`` and must not pull in Pulumi's runtime, the provider or the HTTP client with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .regions import CurrentVendor, Vendor

if TYPE_CHECKING:
    from .errors import AgoraError
    from .resource import (
        TYPE_TOKEN,
        CustomSnapshotSetting,
        CustomSnapshotSettingArgs,
        SettingSetMember,
        SnapshotSetting,
        SnapshotSettingArgs,
        SnapshotSettingSet,
        StandardSnapshotSetting,
        StandardSnapshotSettingArgs,
        StorageConfigArgs,
    )

_LAZY = {
    "TYPE_TOKEN": ".resource",
    "SnapshotSetting": ".resource",
    "SnapshotSettingArgs": ".resource",
    "SnapshotSettingSet": ".resource",
    "SettingSetMember": ".resource",
    "StandardSnapshotSetting": ".resource",
    "StandardSnapshotSettingArgs": ".resource",
    "CustomSnapshotSetting": ".resource",
    "CustomSnapshotSettingArgs": ".resource",
    "StorageConfigArgs": ".resource",
    "AgoraError": ".errors",
}

__all__ = [
    "TYPE_TOKEN",
    "AgoraError",
    "CurrentVendor",
    "CustomSnapshotSetting",
    "CustomSnapshotSettingArgs",
    "SnapshotSetting",
    "SettingSetMember",
    "SnapshotSettingArgs",
    "SnapshotSettingSet",
    "StandardSnapshotSetting",
    "StandardSnapshotSettingArgs",
    "StorageConfigArgs",
    "Vendor",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
