"""The three API descriptions of a snapshot setting, and what differs between them.

Agora has published snapshot settings at three paths: the seed's single path (vendors 0-5), and the current
Media Broadcast reference's ``standard`` (no storage) and ``custom`` (storage, vendors 0-8) paths. One
provider core, one model and one set of rules serve all three; a :class:`SettingKind` holds only what
differs: the resource and its type token, the path segment, whether ``storageConfig`` is taken and against
which vendor tables. Pure data: no Pulumi, no HTTP (the policy pack reads it too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from .identity import SettingIdentity
from .names import SNAPSHOT_SETTING, native_type_token, type_token
from .regions import CURRENT_CATALOG, SEED_CATALOG, StorageCatalog


@dataclass(frozen=True)
class SettingKind:
    """One API description. ``catalog`` is ``None`` when the API takes no ``storageConfig``."""

    name: str
    resource: str
    path: str
    catalog: Optional[StorageCatalog]
    label: str

    @property
    def type_token(self) -> str:
        return type_token(self.resource)

    @property
    def native_type_token(self) -> str:
        """The native provider's type of the same setting (``agora:fls:SnapshotSetting``)."""
        return native_type_token(self.resource)

    @property
    def takes_storage(self) -> bool:
        return self.catalog is not None


LEGACY = SettingKind("legacy", SNAPSHOT_SETTING, "snapshot", SEED_CATALOG, "snapshot setting")
"""``…/settings/snapshot/regions/{region}``: the API the product was first built for."""

STANDARD = SettingKind(
    "standard", "StandardSnapshotSetting", "snapshot/standard", None, "standard snapshot setting"
)
"""``…/settings/snapshot/standard/regions/{region}``: enabled, interval, moderation; no storage."""

CUSTOM = SettingKind("custom", "CustomSnapshotSetting", "snapshot/custom", CURRENT_CATALOG, "custom snapshot setting")
"""``…/settings/snapshot/custom/regions/{region}``: the same plus ``storageConfig`` with vendors 0-8."""

KINDS: Mapping[str, SettingKind] = {kind.name: kind for kind in (LEGACY, STANDARD, CUSTOM)}
"""By name (``legacy``, ``standard``, ``custom``), as the fleet config's ``api`` field spells them."""

BY_TYPE_TOKEN: Mapping[str, SettingKind] = {kind.type_token: kind for kind in KINDS.values()}
"""The dynamic resources' types (``pulumi-python:dynamic/agora:SnapshotSetting``…)."""

BY_NATIVE_TYPE_TOKEN: Mapping[str, SettingKind] = {kind.native_type_token: kind for kind in KINDS.values()}
"""The native resources' types (``agora:fls:SnapshotSetting``…): the same settings, served to every language."""


def setting_key(kind: SettingKind, identity: SettingIdentity) -> str:
    """``appId/entryPoint/region``, prefixed by the API for the current ones (``custom:app/live/eu``): unique
    per setting at Agora. Names resources and outputs in the fleet, and keys members of a set."""
    return identity.id if kind is LEGACY else f"{kind.name}:{identity.id}"
