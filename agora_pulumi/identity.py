"""The identity of one snapshot setting: which App ID, entry point and push region it belongs to.

One value type instead of spread tuples, so the id's format (``appId/entryPoint/region``) and its parse live
in one place, and the model, the client (URL path), the provider (resource id) and the fleet (resource
names) cannot drift apart. No Pulumi, no HTTP.

Names are held in Unicode NFC (:func:`canonical_name`): ``café`` typed as one code point or as ``e`` plus a
combining accent looks the same everywhere a person reads it, so it must be one setting, one set member key,
one fleet resource name and one owner for the policy pack, not two.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Mapping, NamedTuple, Optional


def canonical_name(name: str) -> str:
    """The one form of an App ID or entry point name that identities compare: Unicode NFC."""
    return unicodedata.normalize("NFC", name)


class _Parts(NamedTuple):
    app_id: str
    entry_point: str
    region: str


class SettingIdentity(_Parts):
    """``(app_id, entry_point, region)``; the region is a push region, lower-case. The App ID and entry
    point are put in NFC on construction, so every identity built anywhere compares the same way."""

    __slots__ = ()

    def __new__(cls, app_id: str, entry_point: str, region: str) -> SettingIdentity:
        return super().__new__(cls, canonical_name(app_id), canonical_name(entry_point), region)

    @property
    def id(self) -> str:
        """The resource id: ``appId/entryPoint/region``."""
        return f"{self.app_id}/{self.entry_point}/{self.region}"

    def __str__(self) -> str:
        return self.id

    @classmethod
    def parse(cls, id_: str) -> Optional[SettingIdentity]:
        """Split ``appId/entryPoint/region``; ``None`` when it is not of that shape."""
        parts = id_.split("/")
        if len(parts) != 3 or not all(parts):
            return None
        return cls(parts[0], parts[1], parts[2])

    @classmethod
    def from_props(cls, props: Mapping[str, Any], id_: str = "") -> Optional[SettingIdentity]:
        """From a resource's properties (``appId``, ``entryPoint``, ``region``), else from its id."""
        app_id, entry_point, region = props.get("appId"), props.get("entryPoint"), props.get("region")
        if isinstance(app_id, str) and isinstance(entry_point, str) and isinstance(region, str):
            return cls(app_id, entry_point, region.lower())
        return cls.parse(id_) if id_ else None
