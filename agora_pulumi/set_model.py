"""The model of a ``SnapshotSettingSet``: many settings in one resource, each checked and diffed on its own.

A large fleet as one resource per setting makes the engine's per-resource cost (registration, Check and
Diff round trips, a state checkpoint after every step) dominate a ``pulumi up``. A set holds many settings
in one resource; every member is still one setting with the same rules (:func:`model.check_props` for its
API), and the set's create/update/delete touch only the members that differ.

The state is an object keyed by member, never a list: the engine carries the secrecy of nested values only
through objects (``annotateSecrets`` recurses into objects and marks a whole array secret), so keyed members
keep the preview readable while each member's storage keys stay secret.

Pure data and functions: no HTTP, no Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from . import rules
from .identity import SettingIdentity
from .kinds import KINDS, LEGACY, SettingKind, setting_key
from .model import Failure, IsUnknown, check_props, diff_paths, diff_props, never_unknown

SETTINGS = "settings"
"""The set's one property: ``{member key: member}``."""

API = "api"
"""A member's API (``legacy``, ``standard``, ``custom``), beside the setting's own fields."""


def member_kind(member: Mapping[str, Any]) -> Optional[SettingKind]:
    return KINDS.get(str(member.get(API, LEGACY.name)))


def member_fields(member: Mapping[str, Any]) -> dict[str, Any]:
    """A member's setting properties without its ``api``: what :func:`model.check_props` takes."""
    return {k: v for k, v in member.items() if k != API}


def check_set(
    news: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None, is_unknown: IsUnknown = never_unknown
) -> tuple[dict[str, Any], list[Failure]]:
    """Every member checked with its API's rules; failures are named ``settings["<key>"].<property>``."""
    failures: list[Failure] = []
    for key in news:
        if key != SETTINGS:
            failures.append(Failure(key, rules.unknown_property(key, (SETTINGS,))))
    members = news.get(SETTINGS)
    if is_unknown(members):
        return {SETTINGS: members}, failures
    if not isinstance(members, Mapping):
        failures.append(Failure(SETTINGS, f"must be an object of settings keyed by setting id, {rules.got(members)}"))
        return {SETTINGS: {}}, failures
    old_members = (olds or {}).get(SETTINGS)
    old_members = old_members if isinstance(old_members, Mapping) else {}
    out: dict[str, Any] = {}
    for key, member in members.items():
        where = f'{SETTINGS}["{key}"]'
        if not isinstance(member, Mapping):
            failures.append(Failure(where, f"must be an object (one snapshot setting), {rules.got(member)}"))
            continue
        kind = member_kind(member)
        if kind is None:
            failures.append(Failure(f"{where}.{API}", f"must be one of {', '.join(KINDS)}, {rules.got(member.get(API))}"))
            continue
        old = old_members.get(key)
        checked, member_failures = check_props(
            member_fields(member), member_fields(old) if isinstance(old, Mapping) else None, is_unknown, kind
        )
        failures.extend(Failure(f"{where}.{f.property}", f.reason) for f in member_failures)
        identity = _known_identity(checked, is_unknown)
        if identity is not None and setting_key(kind, identity) != key:
            failures.append(
                Failure(where, f"is keyed '{key}' but is the setting '{setting_key(kind, identity)}': key each member "
                        "by its setting id (SnapshotSettingSet does this for you)")
            )
        out[key] = {API: kind.name, **checked}
    return {SETTINGS: out}, failures


def _known_identity(props: Mapping[str, Any], is_unknown: IsUnknown) -> Optional[SettingIdentity]:
    parts = [props.get(k) for k in ("appId", "entryPoint", "region")]
    if all(isinstance(p, str) and not is_unknown(p) for p in parts):
        return SettingIdentity(*parts)  # type: ignore[arg-type]
    return None


def members(props: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The members of a set's properties (inputs or outputs), tolerant of a missing or odd value."""
    value = props.get(SETTINGS)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, Mapping)}


def member_changes(
    olds: Mapping[str, Any], news: Mapping[str, Any], is_unknown: IsUnknown = never_unknown
) -> tuple[list[str], list[str]]:
    """``(changed or added members, removed members)`` between the old outputs and the new inputs.

    A member whose API changes is a different setting under a different key, so it shows as one removed and
    one added, like any identity change."""
    old_members, new_members = members(olds), members(news)
    changed: list[str] = []
    for key, member in new_members.items():
        old = old_members.get(key)
        kind = member_kind(member) or LEGACY
        if old is None:
            changed.append(key)
            continue
        differing, _ = diff_props(member_fields(old), member_fields(member), is_unknown, kind)
        if differing:
            changed.append(key)
    removed = [key for key in old_members if key not in new_members]
    return changed, removed


def member_key(api: str, app_id: str, entry_point: str, region: str) -> str:
    """A member's key in the set: its setting id, prefixed by the API for the current ones. The region is
    normalised as check normalises it (``"CN "`` is ``cn``), so the key matches the setting checked."""
    identity = SettingIdentity(app_id, entry_point, rules.push_region(region)[0] or region)
    kind = KINDS.get(api)
    return setting_key(kind, identity) if kind is not None else f"{api}:{identity.id}"


def key_members(
    listed: Any, is_unknown: IsUnknown = never_unknown
) -> tuple[Any, list[Failure]]:
    """A list of members (what a program in any language writes) as the set's object keyed by member key.

    A member whose API or identity is not known yet (a preview value) makes the whole object unknown: its
    key, and so which setting it is, cannot be decided. Returns the object (or the unknown) and failures
    for what cannot be keyed: a non-object, a non-string identity, a setting listed twice.
    """
    if is_unknown(listed) or isinstance(listed, Mapping):
        return listed, []
    if not isinstance(listed, (list, tuple)):
        return listed, []  # check_set names the property and the expected shape
    keyed: dict[str, Any] = {}
    failures: list[Failure] = []
    for index, member in enumerate(listed):
        where = f"{SETTINGS}[{index}]"
        if is_unknown(member):
            return member, []
        if not isinstance(member, Mapping):
            failures.append(Failure(where, f"must be an object (one snapshot setting), {rules.got(member)}"))
            continue
        parts = [member.get(API, LEGACY.name), member.get("appId"), member.get("entryPoint"), member.get("region")]
        if any(is_unknown(p) for p in parts):
            return parts[next(i for i, p in enumerate(parts) if is_unknown(p))], []
        if not all(isinstance(p, str) and p for p in parts):
            failures.append(Failure(where, "needs appId, entryPoint and region as strings: they name the setting"))
            continue
        key = member_key(*parts)
        if key in keyed:
            failures.append(Failure(where, f"is the setting {key} again: list each setting once"))
            continue
        keyed[key] = dict(member)
    return keyed, failures


def member_path(key: str, field: str = "") -> str:
    """A member's property path as the engine spells it: ``settings["<key>"].snapshotInterval``."""
    return f'{SETTINGS}["{key}"]' + (f".{field}" if field else "")


def member_diff(
    olds: Mapping[str, Any], news: Mapping[str, Any], is_unknown: IsUnknown = never_unknown
) -> dict[str, str]:
    """Only what changes, per member: ``{path: "add" | "update" | "delete"}`` with paths like
    ``settings["<key>"].snapshotInterval``, ``settings["<key>"]`` for a member added or removed. The native
    provider's detailed diff; the dynamic provider names them in its summary (its protocol carries none)."""
    old_members, new_members = members(olds), members(news)
    diff: dict[str, str] = {}
    for key, member in sorted(new_members.items()):
        old = old_members.get(key)
        if old is None:
            diff[member_path(key)] = "add"
            continue
        kind = member_kind(member) or LEGACY
        for field in diff_paths(member_fields(old), member_fields(member), is_unknown, kind):
            diff[member_path(key, field)] = "update"
    for key in sorted(old_members):
        if key not in new_members:
            diff[member_path(key)] = "delete"
    return diff
