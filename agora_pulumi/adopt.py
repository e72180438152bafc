"""``agora-pulumi adopt``: bring snapshot settings that already exist at Agora under Pulumi.

``pulumi import`` cannot work for dynamic providers (pulumi#16175), so adoption is done the other way round:
read each live setting with the provider's own client (same config, auth, retries and endpoints) and write
the declarations that reproduce it, either as the fleet stack config (:mod:`agora_pulumi.fleet`) or as Python
``SnapshotSetting(...)`` calls. The next ``pulumi up`` then sends, for every adopted setting, a ``PATCH`` whose
body equals what Agora already holds: adopting changes nothing at Agora.

Rules this module keeps:

* **No key in plaintext by default.** Storage keys become ``pulumi config set --secret`` commands *without*
  a value (the CLI prompts for it, so it never reaches shell history or ``ps``). The values Agora returned
  are written only on request, to a new file created with mode 0600 (``--keys-file``): a script that pipes
  each one into ``pulumi config set --secret``. Keys Agora did not return (absent, masked, or unusable as they
  are) are listed as such, with a placeholder naming the bucket they belong to.
* **Exact or nothing.** Every field of every setting is written explicitly (no reliance on the fleet's
  built-in defaults), and the fleet output is parsed back with :func:`~agora_pulumi.fleet.parse_fleet`
  before it is printed: a setting the schema cannot express as it is at Agora (storage outside its push
  region, a bucket the rules refuse) stops the command with what to do instead.
* **A never-configured setting** (Agora answers ``{"enabled": false, "snapshotInterval": 10,
  "enableModeration": false}``, indistinguishable from one that was configured so) is adopted as it reads:
  ``enabled: false`` with those values, so ``pulumi up`` keeps it disabled and a later change in code takes
  effect. ``--skip-unconfigured`` leaves such settings out instead.

Pure functions apart from :func:`read_live` (which calls the given reader) and the file writing in
:func:`write_keys_file`. No Pulumi import: the generated text is checked with the model and fleet rules.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from . import files, rules
from .errors import AgoraError, NotFoundError
from .fleet import DEFAULT_NAMESPACE, FleetConfigError, parse_fleet
from .identity import SettingIdentity
from .kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from .model import InvalidResponseBody, check_props, validate_response
from .names import SECRET_STORAGE_FIELDS, project_name_problem
from .regions import DEFAULT_INTERVAL, SEED_CATALOG

Reader = Callable[[SettingIdentity, SettingKind], Mapping[str, Any]]
"""GET one setting (``AgoraClient.get_setting``); raises ``NotFoundError`` for an unknown entry point."""

UNCONFIGURED: Mapping[str, Any] = {"enabled": False, "snapshotInterval": DEFAULT_INTERVAL, "enableModeration": False}
"""What Agora answers for a setting nobody configured (and for one configured to exactly this)."""

_CHECK_KEY = "adopt-self-check-key-value"
"""A well-formed stand-in key, used only to validate the generated declarations before they are printed."""

_VENDOR_SLUGS: Mapping[int, str] = {
    0: "qiniu", 1: "s3", 2: "aliyun", 3: "tencent", 4: "kingsoft", 5: "azure", 6: "gcs", 7: "huawei", 8: "baidu",
}
_MASKED = re.compile(r"\*{3,}")
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_-]+")


class AdoptError(Exception):
    """Something the user must fix or decide; the message says what."""


# --- what was read ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveStorage:
    """A storage config as Agora returned it. A key is ``None`` when the answer did not carry a usable one
    (absent, masked like ``ab***yz``, or one the provider's check refuses, such as surrounding spaces)."""

    vendor: int
    region: Optional[int]
    bucket: str
    access_key: Optional[str] = field(repr=False)
    secret_key: Optional[str] = field(repr=False)

    def key(self, name: str) -> Optional[str]:
        return self.access_key if name == "accessKey" else self.secret_key


@dataclass(frozen=True)
class LiveSetting:
    """One setting as Agora holds it; ``missing`` names top-level fields the answer left out (adopted at
    the API's defaults)."""

    identity: SettingIdentity
    kind: SettingKind
    enabled: bool
    snapshot_interval: int
    enable_moderation: bool
    storage: Optional[LiveStorage]
    missing: tuple[str, ...] = ()

    @property
    def unconfigured(self) -> bool:
        """Reads exactly like a setting nobody configured."""
        return self.storage is None and not self.missing and {
            "enabled": self.enabled, "snapshotInterval": self.snapshot_interval,
            "enableModeration": self.enable_moderation,
        } == dict(UNCONFIGURED)

    @property
    def resource_name(self) -> str:
        """The Pulumi name the fleet program gives it (``fleet.SettingSpec.resource_name``), used by both
        output formats so that switching between them later is not a rename."""
        return self.identity.id if self.kind is LEGACY else f"{self.kind.name}:{self.identity.id}"


@dataclass
class Reading:
    """The outcome of reading: settings in request order, entry points that are gone, notes for the user."""

    settings: list[LiveSetting] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _usable_key(value: Any) -> Optional[str]:
    """The key, if the provider would accept it as it is (:func:`rules.key_problem`) and it is not masked:
    adopting one the provider refuses would only fail at the next preview, after the user set it."""
    if isinstance(value, str) and rules.key_problem(value) is None and not _MASKED.search(value):
        return value
    return None


def _storage_from(identity: SettingIdentity, kind: SettingKind, raw: Mapping[str, Any]) -> LiveStorage:
    catalog = kind.catalog or SEED_CATALOG
    vendor = rules.as_int(raw.get("vendor"))
    if vendor is None:
        raise AdoptError(
            f"{kind.label} {identity}: Agora's answer has a storageConfig without a vendor, so it cannot be "
            "reproduced; check the setting in Agora's console and run adopt again."
        )
    region = rules.as_int(raw.get("region"))
    if vendor in catalog.vendors_without_region:
        region = None  # ignored by Agora: neither sent nor stored (as the model does)
    elif region is None:
        raise AdoptError(
            f"{kind.label} {identity}: Agora's answer has a storageConfig without a region, so it cannot be "
            "reproduced; check the setting in Agora's console and run adopt again."
        )
    bucket = raw.get("bucket")
    if not isinstance(bucket, str) or not bucket:
        raise AdoptError(
            f"{kind.label} {identity}: Agora's answer has a storageConfig without a bucket, so where snapshots go "
            "cannot be reproduced; check the setting in Agora's console and run adopt again."
        )
    return LiveStorage(
        vendor=vendor,
        region=region,
        bucket=bucket,
        access_key=_usable_key(raw.get("accessKey")),
        secret_key=_usable_key(raw.get("secretKey")),
    )


def setting_from_answer(identity: SettingIdentity, kind: SettingKind, body: Mapping[str, Any]) -> LiveSetting:
    """The live setting from one GET answer; raises :class:`AdoptError` for an answer that cannot be
    reproduced (a wrong type, a storage config without vendor or region)."""
    try:
        validate_response(body)
    except InvalidResponseBody as exc:
        raise AdoptError(
            f"{kind.label} {identity}: Agora's answer is not valid ({exc}); check that the endpoint is Agora's "
            "API (no proxy in between) and run adopt again."
        ) from None
    missing = tuple(key for key in UNCONFIGURED if body.get(key) is None)
    storage = body.get("storageConfig")
    return LiveSetting(
        identity=identity,
        kind=kind,
        enabled=bool(body.get("enabled", UNCONFIGURED["enabled"])),
        snapshot_interval=rules.as_int(body.get("snapshotInterval")) or DEFAULT_INTERVAL,
        enable_moderation=bool(body.get("enableModeration", UNCONFIGURED["enableModeration"])),
        storage=_storage_from(identity, kind, storage) if isinstance(storage, Mapping) and kind.takes_storage else None,
        missing=missing,
    )


def read_live(
    read: Reader,
    app_id: str,
    entry_points: Sequence[str],
    regions: Sequence[str],
    kind: SettingKind = LEGACY,
    *,
    skip_unconfigured: bool = False,
) -> Reading:
    """GET every (entry point, region). An entry point answering 404 is gone: noted, its other regions not
    asked. Any other error becomes an :class:`AdoptError` with the client's message (which never carries a
    secret)."""
    reading = Reading()
    for entry_point in entry_points:
        for region in regions:
            identity = SettingIdentity(app_id, entry_point, region)
            try:
                body = read(identity, kind)
            except NotFoundError:
                reading.gone.append(entry_point)
                reading.notes.append(
                    f"entry point '{entry_point}' of app '{app_id}' does not exist at Agora (404): skipped."
                )
                break
            except AgoraError as exc:
                raise AdoptError(f"Reading {kind.label} {identity} failed. {exc}") from None
            setting = setting_from_answer(identity, kind, body)
            if kind is STANDARD and isinstance(body.get("storageConfig"), Mapping):
                reading.notes.append(
                    f"{identity}: the standard API's answer carries a storageConfig, which standard settings do not "
                    "take: ignored."
                )
            if setting.missing:
                reading.notes.append(
                    f"{identity}: Agora's answer leaves out {', '.join(setting.missing)}: adopted at the API's "
                    "default (false, 10 s); the first `pulumi up` sends that value."
                )
            if skip_unconfigured and setting.unconfigured:
                reading.notes.append(f"{identity}: reads as never configured (disabled, defaults): skipped.")
                continue
            reading.settings.append(setting)
    return reading


# --- storage profiles and their keys ----------------------------------------------------------------------


@dataclass
class Profile:
    """One distinct storage config (location and keys), named for the fleet's ``storageProfiles``."""

    name: str
    kind: SettingKind
    storage: LiveStorage
    users: list[SettingIdentity] = field(default_factory=list)

    def describe(self) -> str:
        catalog = self.kind.catalog or SEED_CATALOG
        vendor = catalog.vendor_names.get(self.storage.vendor, f"vendor {self.storage.vendor}")
        return f"{vendor} bucket {_one_line(self.storage.bucket)}"


def _one_line(text: str) -> str:
    """``text`` as it may stand in a comment of the YAML, Python or shell output: escaped (JSON style) when it
    holds anything unprintable, a line break above all, which would end the comment and start code."""
    return text if text.isprintable() else json.dumps(text)[1:-1]


@dataclass(frozen=True)
class SecretKey:
    """One storage key to set: its config key (``--path`` for the fleet's nested profiles), what it is, and
    the value Agora returned (``None``: the user must supply it)."""

    config_key: str
    path: bool
    which: str
    profile: Profile
    value: Optional[str] = field(repr=False)

    @property
    def placeholder(self) -> str:
        return f"<{self.which} of {self.profile.describe()}>"

    def command(self) -> str:
        path = " --path" if self.path else ""
        return f"pulumi config set --secret{path} {shell_quote(self.config_key)}"


def shell_quote(text: str) -> str:
    """POSIX single quotes (``'`` as ``'\\''``)."""
    return "'" + text.replace("'", "'\\''") + "'"


def _profile_name(kind: SettingKind, storage: LiveStorage, taken: set[str]) -> str:
    base = f"{_VENDOR_SLUGS.get(storage.vendor, f'vendor{storage.vendor}')}-{storage.bucket}"
    if kind is CUSTOM:
        base = f"custom-{base}"
    base = _NOT_IN_NAME.sub("-", base).strip("-")[:60] or "storage"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def profiles_of(settings: Sequence[LiveSetting]) -> dict[tuple[Any, ...], Profile]:
    """One profile per distinct (API, vendor, region, bucket, keys); keys Agora did not return count as equal."""
    profiles: dict[tuple[Any, ...], Profile] = {}
    taken: set[str] = set()
    for setting in settings:
        s = setting.storage
        if s is None:
            continue
        group = (setting.kind.name, s.vendor, s.region, s.bucket, s.access_key, s.secret_key)
        if group not in profiles:
            profiles[group] = Profile(_profile_name(setting.kind, s, taken), setting.kind, s)
        profiles[group].users.append(setting.identity)
    return profiles


def _group(setting: LiveSetting) -> tuple[Any, ...]:
    s = setting.storage
    assert s is not None
    return (setting.kind.name, s.vendor, s.region, s.bucket, s.access_key, s.secret_key)


def _camel(text: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    return (words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])) if words else "storage"


def secret_keys(profiles: Sequence[Profile], namespace: str, fmt: str) -> list[SecretKey]:
    """The keys to set, in profile order: fleet ``<ns>:storageProfiles.<name>.<field>`` (``--path``), python
    ``<ns>:<profileName>AccessKey``."""
    out: list[SecretKey] = []
    stems = _unique_stems([profile.name for profile in profiles])
    for profile, stem in zip(profiles, stems):
        for key in SECRET_STORAGE_FIELDS:
            if fmt == "fleet":
                config_key, path = f"{namespace}:storageProfiles.{profile.name}.{key}", True
            else:
                config_key, path = f"{namespace}:{stem}{key[0].upper()}{key[1:]}", False
            out.append(SecretKey(config_key, path, key, profile, profile.storage.key(key)))
    return out


def _unique_stems(names: Sequence[str]) -> list[str]:
    """camelCase config-key stems, one per profile: distinct profile names can camelCase alike
    (``my-bucket2`` and ``my-bucket-2``), and two profiles sharing a config key would swap their keys."""
    stems: list[str] = []
    for name in names:
        stem, n = _camel(name), 2
        while stem in stems:
            stem, n = f"{_camel(name)}{n}", n + 1
        stems.append(stem)
    return stems


# --- the result -------------------------------------------------------------------------------------------


@dataclass
class Adoption:
    """The rendered declarations, the keys to set and what to tell the user (never a key value)."""

    text: str
    keys: list[SecretKey]
    notes: list[str]


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _yaml_str(str(value))


def _storage_comment(kind: SettingKind, storage: LiveStorage) -> tuple[str, str]:
    catalog = kind.catalog or SEED_CATALOG
    vendor = catalog.vendor_names.get(storage.vendor, "unknown vendor")
    region = ""
    if storage.region is not None:
        row = catalog.storage_regions.get(storage.vendor, {}).get(storage.region)
        region = row.name if row else "not in the vendor's table"
    return vendor, region


def _fields(setting: LiveSetting, profile: Optional[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "enabled": setting.enabled,
        "snapshotInterval": setting.snapshot_interval,
        "enableModeration": setting.enable_moderation,
    }
    if setting.kind.takes_storage:
        out["storage"] = profile
    return out


def _key_block(keys: Sequence[SecretKey], prefix: str) -> list[str]:
    """The commands, as comment lines (``prefix`` is ``#``), with which keys Agora returned and which not."""
    if not keys:
        return []
    returned = [k for k in keys if k.value is not None]
    absent = [k for k in keys if k.value is None]
    lines = [
        f"{prefix} Storage keys (never written here). Set each before `pulumi up`; run without a value, pulumi prompts",
        f"{prefix} for it, so it stays out of your shell history. Agora returned {len(returned)} of {len(keys)} keys"
        + (" (adopt --keys-file FILE writes a 0600 script that sets them)." if returned else "."),
    ]
    if absent:
        lines.append(
            f"{prefix} NOT returned by Agora (absent, masked or unusable), get them from the bucket's owner: "
            + ", ".join(k.config_key for k in absent)
        )
    for k in keys:
        origin = "returned by Agora" if k.value is not None else "NOT returned by Agora: you must supply it"
        lines.append(f"{prefix}   {k.command()}   # {k.placeholder} ({origin})")
    return lines


def render_fleet(
    settings: Sequence[LiveSetting], app_id: str, kind: SettingKind, namespace: str = DEFAULT_NAMESPACE
) -> Adoption:
    """The fleet stack config reproducing ``settings`` exactly, checked by parsing it back."""
    profiles = profiles_of(settings)
    by_group = {group: p.name for group, p in profiles.items()}
    keys = secret_keys(list(profiles.values()), namespace, "fleet")

    entries: dict[str, list[LiveSetting]] = {}
    for setting in settings:
        entries.setdefault(setting.identity.entry_point, []).append(setting)

    lines = [
        f"# Adopted from Agora by `agora-pulumi adopt` ({kind.name} API, app {app_id}): {len(settings)} setting(s) "
        f"of {len(entries)} entry point(s).",
        "# Merge the keys below into your Pulumi.<stack>.yaml under `config:` (replacing any existing",
        f"# {namespace}:entryPoints). Every field is explicit, so `pulumi up` sends back exactly what Agora holds.",
        "config:",
        f"  {namespace}:storageProfiles:" + ("" if profiles else " {}"),
    ]
    for profile in profiles.values():
        s = profile.storage
        vendor, region = _storage_comment(profile.kind, s)
        lines.append(f"    {profile.name}:")
        lines.append(f"      vendor: {s.vendor}  # {vendor}")
        if s.region is not None:
            lines.append(f"      region: {s.region}  # {region}")
        lines.append(f"      bucket: {_yaml_str(s.bucket)}")
        if profile.kind is CUSTOM:
            lines.append("      api: custom")
        lines.append("      # accessKey, secretKey: secrets, set with the commands at the end")
    lines += [f"  {namespace}:defaults:", f"    appId: {_yaml_str(app_id)}", f"  {namespace}:entryPoints:"]
    if not entries:
        lines[-1] += " []"
    for name, members in entries.items():
        per_region = {
            s.identity.region: _fields(s, by_group[_group(s)] if s.storage is not None else None) for s in members
        }
        shared = {
            key: value
            for key, value in next(iter(per_region.values())).items()
            if all(fields[key] == value for fields in per_region.values())
        }
        lines.append(f"    - name: {_yaml_str(name)}")
        if kind is not LEGACY:
            lines.append(f"      api: {kind.name}")
        lines.append(f"      regions: [{', '.join(per_region)}]")
        for key, value in shared.items():
            lines.append(f"      {key}: {_yaml_scalar(value)}")
        overrides = {
            region: {k: v for k, v in fields.items() if k not in shared} for region, fields in per_region.items()
        }
        if any(overrides.values()):
            lines.append("      overrides:")
            for region, fields in overrides.items():
                if fields:
                    body = ", ".join(f"{k}: {_yaml_scalar(v)}" for k, v in fields.items())
                    lines.append(f"        {region}: {{{body}}}")
    lines += _key_block(keys, "#")
    text = "\n".join(lines) + "\n"
    _check_fleet(text, settings, namespace)
    return Adoption(text, keys, [])


def _check_fleet(text: str, settings: Sequence[LiveSetting], namespace: str) -> None:
    """Parse the output back (stand-in keys) and require it to resolve to exactly ``settings``."""
    import yaml  # type: ignore[import-untyped]  # PyYAML comes with pulumi; imported here, used only here

    config = yaml.safe_load(text)["config"]
    profiles = config.get(f"{namespace}:storageProfiles") or {}
    for profile in profiles.values():
        profile.update(accessKey=_CHECK_KEY, secretKey=_CHECK_KEY)
    try:
        fleet = parse_fleet(
            config.get(f"{namespace}:defaults"), profiles, config.get(f"{namespace}:entryPoints"), namespace=namespace
        )
    except FleetConfigError as exc:
        raise AdoptError(
            "these settings cannot be written as a fleet config as they are at Agora (the fleet schema is stricter "
            "than the API; a storage region outside its push region is the usual reason):\n"
            + "\n".join(f"  - {e}" for e in exc.errors)
            + "\nUse --format python (SnapshotSetting declarations, which Agora's rules alone judge), or change "
            "the setting at Agora first."
        ) from None
    got = {
        (spec.kind.name, spec.setting_id): (
            spec.enabled, spec.snapshot_interval, spec.enable_moderation,
            None if spec.storage is None else (spec.storage.vendor, spec.storage.region, spec.storage.bucket),
        )
        for spec in fleet.settings
    }
    want = {
        (s.kind.name, s.identity.id): (
            s.enabled, s.snapshot_interval, s.enable_moderation,
            None if s.storage is None else (s.storage.vendor, s.storage.region, s.storage.bucket),
        )
        for s in settings
    }
    if got != want:  # pragma: no cover - a bug in render_fleet, not a user error
        raise AssertionError(f"adopt: the fleet output does not reproduce the settings read: {got} != {want}")


def render_import(settings: Sequence[LiveSetting], namespace: str) -> Adoption:
    """The file ``pulumi import --file`` takes: one native resource per setting, named as the fleet program
    names it, with its id ``appId/entryPoint/region``; the engine reads each (one GET) and writes the code in
    the project's language.

    JSON holds no comment, so the keys stay out of it entirely: the native provider's Read returns no storage
    config for a resource it has no state of, so neither the generated code nor the state gets a key, and
    Agora keeps each setting's storage config as it is. The keys follow as ``pulumi config set --secret``
    commands (``notes``) for when the code is to manage the storage config too."""
    profiles = profiles_of(settings)
    keys = secret_keys(list(profiles.values()), namespace, "python")
    resources = [
        {"type": s.kind.native_type_token, "name": s.resource_name, "id": s.identity.id} for s in settings
    ]
    notes: list[str] = []
    with_storage = [s.resource_name for s in settings if s.storage is not None]
    if with_storage:
        notes.append(
            f"{len(with_storage)} setting(s) hold a storage config at Agora: `pulumi import` leaves it out of the "
            "code (the code would otherwise hold its keys) and Agora keeps it as it is. To manage it from code, add "
            "storageConfig with the keys read from secret config (the commands below), e.g. "
            "`accessKey: cfg.requireSecret(\"...\")`."
        )
    return Adoption(json.dumps({"resources": resources}, indent=2, ensure_ascii=False) + "\n", keys, notes)


def render_python(settings: Sequence[LiveSetting], app_id: str, kind: SettingKind, namespace: str) -> Adoption:
    """A Python module declaring one resource per setting, keys read with ``Config.require_secret``."""
    profiles = profiles_of(settings)
    keys = secret_keys(list(profiles.values()), namespace, "python")
    key_of = {(k.profile.name, k.which): k.config_key.partition(":")[2] for k in keys}
    _check_python(settings)
    classes = sorted({s.kind.resource for s in settings} or {kind.resource})
    if profiles:
        classes.append("StorageConfigArgs")
    lines = [
        f'"""Snapshot settings adopted from Agora by `agora-pulumi adopt` ({kind.name} API, app {_in_docstring(app_id)}).',
        "",
        "Every field is explicit, so `pulumi up` sends back exactly what Agora holds. Resource names are the",
        'setting ids, as the fleet program names them."""',
        "",
    ]
    lines += _key_block(keys, "#")
    lines += [
        "",
        "import pulumi",
        "",
        f"from agora_pulumi import {', '.join(classes)}",
        "",
        f"cfg = pulumi.Config({namespace!r})",
        "",
    ]
    for setting in settings:
        lines.append(f"{setting.kind.resource}(")
        lines.append(f"    {setting.resource_name!r},")
        for arg, value in (
            ("app_id", setting.identity.app_id),
            ("entry_point", setting.identity.entry_point),
            ("region", setting.identity.region),
            ("enabled", setting.enabled),
            ("snapshot_interval", setting.snapshot_interval),
            ("enable_moderation", setting.enable_moderation),
        ):
            lines.append(f"    {arg}={value!r},")
        if setting.storage is not None:
            profile = profiles[_group(setting)]
            s = setting.storage
            vendor, region = _storage_comment(setting.kind, s)
            lines.append("    storage_config=StorageConfigArgs(")
            lines.append(f"        vendor={s.vendor},  # {vendor}")
            if s.region is not None:
                lines.append(f"        region={s.region},  # {region}")
            lines.append(f"        bucket={s.bucket!r},")
            lines.append(f"        access_key=cfg.require_secret({key_of[(profile.name, 'accessKey')]!r}),")
            lines.append(f"        secret_key=cfg.require_secret({key_of[(profile.name, 'secretKey')]!r}),")
            lines.append("    ),")
        lines.append(")")
        lines.append("")
    text = "\n".join(lines)
    check_python_module(text, _DOCSTRING.format(api=kind.name, app_id=app_id))
    return Adoption(text, keys, [])


_DOCSTRING = (
    "Snapshot settings adopted from Agora by `agora-pulumi adopt` ({api} API, app {app_id}).\n\n"
    "Every field is explicit, so `pulumi up` sends back exactly what Agora holds. Resource names are the\n"
    "setting ids, as the fleet program names them."
)
"""What the docstring of the Python output must read as, once parsed."""


def _in_docstring(text: str) -> str:
    """``text`` escaped for a (non-raw) triple-quoted literal: a value holding ``\"\"\"`` or a backslash stays
    text instead of closing the docstring."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


_CALLABLE = frozenset({"SnapshotSetting", "StandardSnapshotSetting", "CustomSnapshotSetting", "StorageConfigArgs"})


def _declaration_value(node: ast.expr) -> bool:
    """A literal, or a call of a resource class, ``StorageConfigArgs``, ``pulumi.Config`` or
    ``cfg.require_secret`` whose arguments are such values too."""
    if isinstance(node, ast.Constant):
        return True
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    named = isinstance(func, ast.Name) and func.id in _CALLABLE
    attribute = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
        (func.value.id, func.attr) in (("pulumi", "Config"), ("cfg", "require_secret"))
    )
    keywords_named = all(k.arg is not None for k in node.keywords)
    values = [*node.args, *(k.value for k in node.keywords)]
    return (named or attribute) and keywords_named and all(_declaration_value(v) for v in values)


def _statement_ok(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return [(a.name, a.asname) for a in node.names] == [("pulumi", None)]
    if isinstance(node, ast.ImportFrom):
        return node.module == "agora_pulumi" and node.level == 0 and all(
            a.name in _CALLABLE and a.asname is None for a in node.names
        )
    if isinstance(node, ast.Assign):
        target = node.targets[0] if len(node.targets) == 1 else None
        return isinstance(target, ast.Name) and target.id == "cfg" and _declaration_value(node.value)
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _declaration_value(node.value)


def check_python_module(text: str, docstring: str) -> None:
    """Require the generated module to be exactly a plain docstring, the two imports, ``cfg = ...`` and
    declarations of literals: whatever a value from the command line or Agora's answer held, importing the
    module runs nothing else. Values are escaped where written; this is the proof."""
    try:
        body = ast.parse(text).body
    except SyntaxError:
        body = []
    first = body[0] if body else None
    docstring_ok = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and (
        first.value.value == docstring
    )
    if not (docstring_ok and all(_statement_ok(node) for node in body[1:])):
        raise AdoptError(
            "the Python declarations could not be written safely (a value read would have become code); nothing "
            "was written. Use --format fleet, and report this as a bug of agora-pulumi."
        )


def _check_python(settings: Sequence[LiveSetting]) -> None:
    """Run the provider's own ``check`` rules on each setting (stand-in keys)."""
    problems: list[str] = []
    for s in settings:
        props: dict[str, Any] = {
            "appId": s.identity.app_id, "entryPoint": s.identity.entry_point, "region": s.identity.region,
            "enabled": s.enabled, "snapshotInterval": s.snapshot_interval, "enableModeration": s.enable_moderation,
        }
        if s.storage is not None:
            props["storageConfig"] = {
                "vendor": s.storage.vendor, "region": s.storage.region, "bucket": s.storage.bucket,
                "accessKey": _CHECK_KEY, "secretKey": _CHECK_KEY,
            }
        _, failures = check_props(props, None, kind=s.kind)
        problems += [f"{s.identity}: {f.property}: {f.reason}" for f in failures]
    if problems:
        raise AdoptError(
            "these settings cannot be declared as they are at Agora (the provider would refuse them at preview):\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nChange the setting at Agora first, then run adopt again."
        )


def write_keys_file(path: Path, keys: Sequence[SecretKey]) -> int:
    """Write a new mode-0600 shell script setting each key Agora returned (values piped in, never in argv).

    Refuses an existing file: it would keep its permissions, and may be something else. Returns how many keys
    it sets.
    """
    returned = [k for k in keys if k.value is not None]
    lines = [
        "#!/usr/bin/env bash",
        "# Written by `agora-pulumi adopt`: the storage keys Agora returned, in plain text. Keep it private (mode",
        "# 0600), run it once from the Pulumi project with the stack selected (extra arguments, e.g. --stack prod,",
        "# go to every `pulumi config set`), then delete it (shred -u FILE).",
        "set -euo pipefail",
    ]
    for k in returned:
        assert k.value is not None
        lines.append(f"printf '%s' {shell_quote(k.value)} | {k.command()} \"$@\"")
    absent = [k for k in keys if k.value is None]
    if absent:
        lines.append("# Not returned by Agora; set these yourself (pulumi prompts for the value):")
        lines += [f"#   {k.command()}   # {k.placeholder}" for k in absent]
    try:
        files.write_new(path, "\n".join(lines) + "\n", 0o600)
    except FileExistsError:
        raise AdoptError(f"{path} already exists: adopt never overwrites a keys file; remove it or pick another path.") from None
    except OSError as exc:
        raise AdoptError(f"cannot create the keys file {path}: {exc.strerror}.") from None
    return len(returned)


# --- the command ------------------------------------------------------------------------------------------

FORMATS = ("fleet", "python")
DEFAULT_REGIONS = "cn,ap,na,eu"


def parse_regions(text: str) -> list[str]:
    """``--regions cn,ap``: push regions, lower-cased, each once."""
    out: list[str] = []
    for item in text.split(","):
        region, problem = rules.push_region(item.strip())
        if region is None:
            raise AdoptError(f"--regions: {problem} (e.g. --regions cn,ap)")
        if region in out:
            raise AdoptError(f"--regions: '{region}' is listed twice")
        out.append(region)
    return out


def project_name(directory: Path) -> Optional[str]:
    """The ``name`` of ``directory/Pulumi.yaml`` (the config namespace of its program), if there is one."""
    import yaml

    try:
        data = yaml.safe_load((directory / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


def config_namespace(project: Optional[str], directory: Path) -> str:
    """``--project``, else the ``name`` in ``directory/Pulumi.yaml``, else the default; a name that is not a
    Pulumi project name is refused (it is written into YAML keys and Python source)."""
    if project is not None:
        problem = project_name_problem(project)
        if problem:
            raise AdoptError(f"--project {problem}; {rules.got(project)}.")
        return project
    name = project_name(directory)
    if name is None:
        return DEFAULT_NAMESPACE
    problem = project_name_problem(name)
    if problem:
        raise AdoptError(
            f"the name in {directory / 'Pulumi.yaml'} {problem}; {rules.got(name)}. Fix it, or pass --project NAME."
        )
    return name


def check_destinations(output: Optional[str], keys_file: Optional[str], *, force: bool) -> None:
    """Before anything is read: ``--output`` and ``--keys-file`` must be two files (else the declarations
    replace the keys, which are then lost), and ``--output`` must not exist unless ``--force`` (it may be a
    stack file, ``Pulumi.prod.yaml`` with its ``encryptionsalt``)."""
    if output and keys_file and os.path.realpath(output) == os.path.realpath(keys_file):
        raise AdoptError(
            f"--output {output} and --keys-file {keys_file} are the same file: the declarations would replace the "
            "keys. Give two different paths."
        )
    if output and not force and os.path.lexists(output):
        raise AdoptError(
            f"--output {output} already exists: adopt does not replace a file unless --force is given (a symlink "
            "is then replaced itself, never written through). Nothing was read or written."
        )


def write_output(path: Path, text: str, *, force: bool) -> None:
    """Write the declarations to a new file; with ``force``, replace what is at ``path``.

    Never through a symlink (see :mod:`agora_pulumi.files`)."""
    try:
        (files.replace if force else files.write_new)(path, text)
    except FileExistsError:
        raise AdoptError(f"--output {path} already exists: adopt does not replace a file unless --force is given.") from None
    except OSError as exc:
        raise AdoptError(f"cannot write --output {path}: {exc.strerror}.") from None


def stack_config_source(
    path: Path, environ: Mapping[str, str] = {}  # noqa: B006 - read only
) -> tuple[Callable[[str], Optional[str]], list[str]]:
    """The plain ``agora:*`` values of a ``Pulumi.<stack>.yaml`` as a config getter (the way the CLI hands
    them to the provider: text, structured values as JSON), and notes about encrypted values it skipped
    whose environment variable is not set either (set, it is what the docs say to do: nothing to note)."""
    import yaml

    from .client_config import SETTINGS

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AdoptError(f"--stack-config {path}: cannot read it ({exc.strerror}).") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise AdoptError(f"--stack-config {path}: not a YAML file ({type(exc).__name__}).") from None
    config = data.get("config") if isinstance(data, dict) else None
    if not isinstance(config, dict):
        raise AdoptError(f"--stack-config {path}: no `config:` map, so it is not a Pulumi.<stack>.yaml.")
    env_of = {key: env for key, env, *_ in SETTINGS}
    values: dict[str, str] = {}
    notes: list[str] = []
    for key, value in config.items():
        if not str(key).startswith("agora:"):
            continue
        if isinstance(value, dict) and "secure" in value:
            env = env_of.get(str(key), "the environment")
            if environ.get(env):
                continue
            notes.append(
                f"{key} is encrypted in {path.name} (secure:) and only the Pulumi CLI can decrypt it: using {env} "
                f"from the environment instead (e.g. {env}=\"$(pulumi config get {key})\" before the command)."
            )
            continue
        if isinstance(value, bool):
            values[str(key)] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            values[str(key)] = json.dumps(value)
        elif value is not None:
            values[str(key)] = str(value)
    return values.get, notes


def run(args: Any, environ: Mapping[str, str], out: Any, err: Any) -> int:
    """The ``adopt`` subcommand (see :func:`agora_pulumi.cli.add_adopt`). Raises :class:`AdoptError`."""
    from .client import AgoraClient
    from .client_config import ClientConfig
    from .kinds import KINDS

    app_id, problem = rules.segment(args.app_id, "appId")
    if app_id is None:
        raise AdoptError(f"--app-id {problem}")
    entry_points: list[str] = []
    for given in args.entry_point:
        name, problem = rules.segment(given, "entryPoint")
        if name is None:
            raise AdoptError(f"--entry-point {problem}")
        if name not in entry_points:
            entry_points.append(name)
    regions = parse_regions(args.regions)
    kind = KINDS[args.api]
    namespace = config_namespace(args.project, Path.cwd())
    check_destinations(args.output, args.keys_file, force=args.force)

    def say(line: str) -> None:
        err.write(f"adopt: {line}\n")

    get_config: Callable[[str], Optional[str]] = lambda _key: None  # noqa: E731
    if args.stack_config is not None:
        get_config, notes = stack_config_source(Path(args.stack_config), environ)
        for note in notes:
            say(note)
    try:
        client = AgoraClient(ClientConfig.from_sources(get_config, environ))
    except AgoraError as exc:
        raise AdoptError(f"{exc} (adopt reads agora:* from --stack-config FILE, then AGORA_* variables)") from None
    try:
        reading = read_live(
            client.get_setting, app_id, entry_points, regions, kind, skip_unconfigured=args.skip_unconfigured
        )
    finally:
        client.close()
    for note in reading.notes:
        say(note)
    if not reading.settings:
        raise AdoptError("nothing to adopt: no setting was read (see above); nothing was written.")

    if args.format == "fleet":
        adoption = render_fleet(reading.settings, app_id, kind, namespace)
    elif args.format == "import":
        adoption = render_import(reading.settings, namespace)
    else:
        adoption = render_python(reading.settings, app_id, kind, namespace)

    written = write_keys_file(Path(args.keys_file), adoption.keys) if args.keys_file else None
    if args.output:
        write_output(Path(args.output), adoption.text, force=args.force)
    else:
        out.write(adoption.text)
        out.flush()

    unconfigured = [s.identity.id for s in reading.settings if s.unconfigured]
    disabled = [s.identity.id for s in reading.settings if not s.enabled and not s.unconfigured]
    where = args.output or "stdout"
    what = "`pulumi import --file` entries" if args.format == "import" else f"{args.format} declarations"
    say(f"adopted {len(reading.settings)} {kind.label}(s) as {what} ({where}).")
    for note in adoption.notes:
        say(note)
    if disabled:
        say(f"disabled at Agora, adopted as enabled: false: {', '.join(disabled)}.")
    if unconfigured:
        say(
            f"read as never configured (disabled, interval 10, no moderation, no storage), adopted as such: "
            f"{', '.join(unconfigured)} (--skip-unconfigured leaves them out). Each API path is a separate "
            f"setting at Agora: if these entry points are configured on another one, run adopt again with "
            f"{' or '.join(f'--api {other}' for other in KINDS if other != kind.name)}."
        )
    returned = [k.config_key for k in adoption.keys if k.value is not None]
    absent = [k.config_key for k in adoption.keys if k.value is None]
    if adoption.keys:
        say(f"storage keys returned by Agora ({len(returned)}): {', '.join(returned) or 'none'}.")
        say(
            f"storage keys NOT returned by Agora ({len(absent)}): {', '.join(absent) or 'none'}"
            + ("; get them from the bucket's owner." if absent else ".")
        )
        if written is not None:
            say(
                f"wrote {args.keys_file} (mode 0600): run `bash {args.keys_file}` once to set the {written} key(s) "
                "Agora returned, then delete it."
            )
        elif args.format == "import":
            say(
                "no key value was printed: set each with these commands (pulumi prompts for the value), or add "
                "--keys-file FILE for a 0600 script with the values Agora returned:"
            )
            for key in adoption.keys:
                say(f"  {key.command()}   # {key.placeholder}")
        else:
            say(
                "no key value was printed: set each with the `pulumi config set --secret` commands in the output "
                "(pulumi prompts for the value), or add --keys-file FILE for a 0600 script with the values Agora returned."
            )
    if args.format == "import":
        say(
            f"then `pulumi import --file {args.output or 'FILE'}` in the program's project reads each setting (one GET, "
            "nothing written to Agora) and writes the code in its language; the next `pulumi up` changes nothing."
        )
    else:
        say("then `pulumi preview` should show only creates, and `pulumi up` sends back what Agora holds.")
    return 0
