"""The fleet config schema: many snapshot settings described once, validated as a whole.

A team manages dozens of entry points, each in up to four push regions, and most of them share one App ID,
one interval and one bucket per region. Writing one block per (entry point, region) would repeat all of
that, so the stack config is layered instead. This module turns that config into a flat, fully resolved list
of :class:`SettingSpec` (one per entry point × push region), or raises :class:`FleetConfigError` listing
*every* problem, each with the path a user can paste into ``pulumi config set --path``.

It imports nothing from Pulumi on purpose: parsing is a pure function of three JSON values, so it is tested
without a runtime, and it finishes before the program registers a single resource. A half-valid fleet is
never partially applied.

Schema
======

Three keys in the project's config namespace (the ``name`` in ``Pulumi.yaml``, ``agora-snapshots``)::

    config:
      agora-snapshots:storageProfiles:     # optional: named buckets, referenced by name
        s3-eu:
          vendor: 1                        # Amazon S3 (0 Qiniu, 1 S3, 2 Aliyun, 3 Tencent, 4 Kingsoft, 5 Azure)
          region: 7                        # EU_CENTRAL_1, a code from the vendor's table; omit for Azure
          bucket: acme-snapshots-eu
          accessKey: {secure: ...}         # pulumi config set --secret --path 'storageProfiles.s3-eu.accessKey'
          secretKey: {secure: ...}
      agora-snapshots:defaults:            # optional: applies to every entry point
        appId: 0123456789abcdef0123456789abcdef
        regions: [cn, ap, na, eu]
        enabled: true                      # built-in default: true
        snapshotInterval: 10               # built-in default: 10 (the API's); integer in [5, 300]
        enableModeration: false            # built-in default: false (the API's)
        storage: null                      # a profile name, or null for no storageConfig (built-in)
        overrides:                         # per push region, for every entry point
          eu: {storage: s3-eu}
      agora-snapshots:entryPoints:         # required: a list (may be empty)
        - live                             # shorthand for {name: live}
        - name: sports
          regions: [na, eu]                # replaces defaults.regions
          snapshotInterval: 30
          overrides:
            eu: {enableModeration: true}

Each setting's fields are resolved from five layers, later ones winning:

1. the built-in defaults (``enabled: true``, ``snapshotInterval: 10``, ``enableModeration: false``, no storage);
2. ``defaults``;
3. ``defaults.overrides.<region>``;
4. the entry point's own fields;
5. the entry point's ``overrides.<region>``.

An entry point's own field beats a global per-region override because it is the more specific statement
about that entry point ("webinar stores in Azure everywhere" must not be undone by "eu stores in s3-eu").

What is checked (from Agora's doc and ``agora_pulumi.regions``): push regions are ``cn``/``ap``/``na``/``eu``;
``snapshotInterval`` is an integer in [5, 300]; ``vendor`` is 0-5 (0-8 for a profile with ``api: custom``);
a storage ``region`` is in that vendor's table of the profile's API (and absent for Azure and Google Cloud,
which ignore it); a setting's ``api`` (legacy, standard, custom) can take its profile; ``grouping`` is
``setting`` or ``app``; ``resources`` is ``dynamic`` (the Python dynamic resources) or ``native`` (the ``agora``
package's resources, same names and outputs: ``docs/migration.md``); the storage region lies in the push region it serves, as the
doc requires; App IDs and entry point names are non-empty and fit in a URL path segment; booleans are
booleans; no (appId, entry point, region) is listed twice; every referenced profile exists; unknown keys are
reported (with a suggestion), since a typo would otherwise silently fall back to a default.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from . import rules
from .identity import SettingIdentity
from .kinds import CUSTOM, KINDS, LEGACY, SettingKind, setting_key
from .names import SECRET_STORAGE_FIELDS, STORAGE_FIELDS
from .regions import (
    CURRENT_CATALOG,
    DEFAULT_INTERVAL,
    PUSH_REGION_NAMES,
    PUSH_REGIONS,
    SEED_CATALOG,
    StorageCatalog,
)
from .rules import got, got_opaque

DEFAULT_NAMESPACE = "agora-snapshots"
"""The project name in ``Pulumi.yaml``, hence the namespace ``pulumi.Config()`` reads by default."""

CONFIG_KEYS: tuple[str, ...] = ("storageProfiles", "defaults", "entryPoints", "grouping", "resources")
"""The config keys the program reads, in the order their problems are reported."""

SETTING_FIELDS: tuple[str, ...] = ("enabled", "snapshotInterval", "enableModeration", "storage", "api")
"""Fields settable at every layer (defaults, per-region overrides, entry points)."""

_DEFAULTS_KEYS = ("appId", "regions", *SETTING_FIELDS, "overrides")
_ENTRY_KEYS = ("name", "appId", "regions", *SETTING_FIELDS, "overrides")
_PROFILE_KEYS = (*STORAGE_FIELDS, "api")
_PROFILE_APIS: Mapping[str, SettingKind] = {LEGACY.name: LEGACY, CUSTOM.name: CUSTOM}
"""The APIs that take storage, hence the tables a profile can be checked against."""

BUILTIN_DEFAULTS: Mapping[str, Any] = {
    "enabled": True,
    "snapshotInterval": DEFAULT_INTERVAL,
    "enableModeration": False,
    "storage": None,
    "api": LEGACY.name,
}
"""Layer 1. Explicit rather than "leave it to the API" so that state and outputs always carry a value and a
drifted interval is detected even when the config never mentioned one. 10 and false are the doc's defaults;
``enabled: true`` because listing an entry point in a snapshot fleet means wanting snapshots."""

# Config path components that ``pulumi config set --path`` accepts unquoted.
_PLAIN_PATH_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MAX_LISTED = 5


class FleetConfigError(ValueError):
    """The fleet config is invalid. ``errors`` holds one ``"<path>: <problem>"`` line per problem.

    Raised once with every problem, not at the first, so one edit-and-preview round fixes the whole file.
    """

    def __init__(self, errors: list[str], namespace: str = DEFAULT_NAMESPACE) -> None:
        self.errors = list(errors)
        self.namespace = namespace
        count = len(self.errors)
        header = (
            f"invalid snapshot fleet config ({count} problem{'s' if count != 1 else ''}); paths are under the "
            f"'{namespace}' config namespace, as `pulumi config set --path` takes them:"
        )
        super().__init__("\n".join([header, *(f"  - {e}" for e in self.errors)]))


@dataclass(frozen=True)
class StorageProfile:
    """A named bucket and the keys Agora writes to it with. The keys never appear in ``repr``."""

    name: str
    vendor: int
    region: Optional[int]
    bucket: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    api: SettingKind = LEGACY
    """The API whose tables the profile was checked against (``legacy`` or ``custom``)."""

    @property
    def catalog(self) -> StorageCatalog:
        return self.api.catalog or SEED_CATALOG

    def describe(self) -> str:
        """Human-readable location (no keys), for messages about where snapshots would go."""
        vendor = self.catalog.vendor_names[self.vendor]
        if self.region is None:
            return f"{vendor} (no region)"
        row = self.catalog.storage_regions[self.vendor][self.region]
        where = PUSH_REGION_NAMES[row.geography] if row.geography else "none of the four push regions"
        return f"{vendor} region {self.region} ({row.name}, in {where})"


@dataclass(frozen=True)
class SettingSpec:
    """One fully resolved snapshot setting: what one ``SnapshotSetting`` resource is created from."""

    app_id: str
    entry_point: str
    region: str
    enabled: bool
    snapshot_interval: int
    enable_moderation: bool
    storage: Optional[StorageProfile]
    kind: SettingKind = LEGACY

    @property
    def identity(self) -> SettingIdentity:
        return SettingIdentity(self.app_id, self.entry_point, self.region)

    @property
    def setting_id(self) -> str:
        """The resource id the provider assigns (``appId/entryPoint/region``), known before deployment."""
        return self.identity.id

    @property
    def output_key(self) -> str:
        """The key in the stack outputs: the setting id, prefixed by the API for the current ones
        (``custom:app/live/eu``), since one entry point may have one setting of each."""
        return setting_key(self.kind, self.identity)

    @property
    def resource_name(self) -> str:
        """The Pulumi resource name: the setting id itself (:attr:`output_key`).

        Derived only from the three values that identify the setting (and, for the current APIs, the API), so
        it is unique (duplicates are rejected), independent of list order and of every other field, and
        survives reordering or editing the config without a rename (which would otherwise need ``aliases``).
        The seed API's settings keep the bare id they always had.
        """
        return self.output_key


@dataclass(frozen=True)
class Fleet:
    """The validated config: every setting to manage, in config order, and the profiles they use."""

    settings: tuple[SettingSpec, ...]
    profiles: Mapping[str, StorageProfile]
    grouping: str = "setting"
    """``setting``: one resource per setting; ``app``: one ``SnapshotSettingSet`` per App ID."""
    resources: str = "dynamic"
    """``dynamic``: the Python dynamic resources; ``native``: the ``agora`` package's resources."""


GROUPINGS: tuple[str, ...] = ("setting", "app")
RESOURCE_FLAVOURS: tuple[str, ...] = ("dynamic", "native")
"""``agora-snapshots:resources``: which provider serves the fleet's resources (the settings are the same)."""


# --- small helpers ----------------------------------------------------------------------------------------


def key_path(parent: str, key: str) -> str:
    """Append a map key the way ``pulumi config set --path`` parses it (``a.b`` or ``a["b.c"]``)."""
    if _PLAIN_PATH_KEY.match(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key)}]"


def _index_path(parent: str, index: int) -> str:
    return f"{parent}[{index}]"


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    return shown if len(items) <= _MAX_LISTED else f"{shown} and {len(items) - _MAX_LISTED} more"


class _Problems:
    """Collects ``path: problem`` lines in the order they are found."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, problem: str) -> None:
        self.items.append(f"{path}: {problem}")


def _check_keys(obj: Mapping[str, Any], allowed: Sequence[str], path: str, problems: _Problems) -> None:
    for key in obj:
        if key not in allowed:
            problems.add(key_path(path, str(key)), rules.unknown_key(str(key), allowed))


def _segment(value: Any, path: str, key: str, problems: _Problems) -> Optional[str]:
    """A name usable as the ``key`` segment of Agora's URL path (``appId``, ``entryPoint``), in NFC."""
    name, problem = rules.segment(value, key)
    if problem:
        problems.add(path, problem)
    return name


def _push_region(value: Any, path: str, problems: _Problems) -> Optional[str]:
    region, problem = rules.push_region(value)
    if problem:
        problems.add(path, problem)
    return region


def _regions(value: Any, path: str, problems: _Problems) -> Optional[list[str]]:
    if not isinstance(value, list):
        problems.add(path, f"must be a list of push regions (cn, ap, na, eu), {got(value)}")
        return None
    if not value:
        problems.add(path, "must list at least one push region (cn, ap, na, eu)")
        return None
    out: list[str] = []
    ok = True
    for i, item in enumerate(value):
        region = _push_region(item, _index_path(path, i), problems)
        if region is None:
            ok = False
        elif region in out:
            problems.add(_index_path(path, i), f"'{region}' is listed twice")
            ok = False
        else:
            out.append(region)
    return out if ok else None


# A layer maps a setting field to (validated value, the config path that set it).
_Layer = dict[str, tuple[Any, str]]


def _setting_fields(
    obj: Mapping[str, Any], path: str, profiles: Mapping[str, Optional[StorageProfile]], problems: _Problems
) -> _Layer:
    layer: _Layer = {}
    for name in SETTING_FIELDS:
        if name not in obj:
            continue
        value = obj[name]
        where = key_path(path, name)
        if name in ("enabled", "enableModeration"):
            problem = rules.boolean_problem(value)
            if problem:
                problems.add(where, problem)
            else:
                layer[name] = (value, where)
        elif name == "snapshotInterval":
            seconds, problem = rules.interval(value)
            if problem:
                problems.add(where, problem)
            else:
                layer[name] = (seconds, where)
        elif name == "api":
            if isinstance(value, str) and value in KINDS:
                layer[name] = (value, where)
            else:
                problems.add(where, f"must be one of {', '.join(KINDS)} (the snapshot API to manage), {got(value)}")
        elif value is None:  # storage: null means "no storageConfig", overriding a lower layer's profile
            layer[name] = (None, where)
        elif isinstance(value, str) and value in profiles:
            layer[name] = (value, where)
        else:
            defined = ", ".join(sorted(profiles)) or "none are defined"
            problems.add(
                where,
                f"must name a profile under storageProfiles ({defined}) or be null for no storage, {got(value)}",
            )
    return layer


def _overrides(
    value: Any,
    path: str,
    allowed_regions: Optional[Sequence[str]],
    profiles: Mapping[str, Optional[StorageProfile]],
    problems: _Problems,
) -> dict[str, _Layer]:
    """``overrides: {<push region>: {setting fields}}``; with ``allowed_regions``, keys must be among them."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(path, f"must be an object keyed by push region (cn, ap, na, eu), {got(value)}")
        return {}
    out: dict[str, _Layer] = {}
    for region, body in value.items():
        where = key_path(path, str(region))
        region = _push_region(region, where, problems)
        if region is None:
            continue
        if allowed_regions is not None and region not in allowed_regions:
            problems.add(
                where, f"'{region}' is not one of this entry point's regions ({', '.join(allowed_regions)})"
            )
            continue
        if not isinstance(body, Mapping):
            problems.add(where, f"must be an object with any of {', '.join(SETTING_FIELDS)}, {got(body)}")
            continue
        _check_keys(body, SETTING_FIELDS, where, problems)
        out[region] = _setting_fields(body, where, profiles, problems)
    return out


# --- storage profiles -------------------------------------------------------------------------------------


def _profile(name: str, value: Any, path: str, problems: _Problems) -> Optional[StorageProfile]:
    if not isinstance(value, Mapping):
        problems.add(path, f"must be an object with {', '.join(_PROFILE_KEYS)}, {got_opaque(value)}")
        return None
    _check_keys(value, _PROFILE_KEYS, path, problems)
    before = len(problems.items)

    # Which API's tables: `api: custom` says so; the new vendors (6-8) exist only there; else the seed's.
    api = _PROFILE_APIS.get(str(value.get("api", "")))
    if "api" in value and api is None:
        problems.add(key_path(path, "api"), f"must be legacy or custom (the APIs that take storage), {got(value['api'])}")
    if api is None:
        code = rules.as_int(value.get("vendor"))
        api = CUSTOM if code is not None and code not in SEED_CATALOG.vendor_names and code in CURRENT_CATALOG.vendor_names else LEGACY
    catalog = api.catalog or SEED_CATALOG

    vendor, problem = rules.vendor(value.get("vendor"), catalog)
    if problem:
        problems.add(key_path(path, "vendor"), problem)

    region: Optional[int] = None
    region_path = key_path(path, "region")
    if vendor is not None and rules.region_is_ignored(vendor, catalog):
        # A config schema refuses what would be silently ignored; a program may pass it (see model).
        if "region" in value:
            problems.add(region_path, rules.ignored_region_reason(vendor, catalog))
    elif vendor is not None:
        region, problem = rules.storage_region(vendor, value.get("region"), catalog)
        if problem:
            problems.add(region_path, problem)

    bucket = value.get("bucket")
    problem = rules.bucket_problem(vendor, bucket, catalog)
    if problem:
        problems.add(key_path(path, "bucket"), problem)

    keys: dict[str, str] = {}
    for key in SECRET_STORAGE_FIELDS:
        raw = value.get(key)
        where = key_path(path, key)
        problem = rules.key_problem(raw)
        # Never echo the value: it may be a real credential typed into the wrong place.
        if problem:
            problems.add(where, f"{problem}; set it with `pulumi config set --secret --path '{where}' <value>`")
        else:
            keys[key] = str(raw)

    if len(problems.items) != before or vendor is None or not isinstance(bucket, str):
        return None
    return StorageProfile(
        name=name,
        vendor=vendor,
        region=region,
        bucket=bucket,
        access_key=keys["accessKey"],
        secret_key=keys["secretKey"],
        api=api,
    )


def _profiles(value: Any, problems: _Problems) -> dict[str, Optional[StorageProfile]]:
    """All defined profile names; an invalid profile maps to None so references to it add no noise."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add("storageProfiles", f"must be an object of named storage profiles, {got_opaque(value)}")
        return {}
    out: dict[str, Optional[StorageProfile]] = {}
    for name, body in value.items():
        path = key_path("storageProfiles", str(name))
        if not str(name).strip():
            problems.add(path, "profile names must be non-empty")
            continue
        out[str(name)] = _profile(str(name), body, path, problems)
    return out


# --- entry points -----------------------------------------------------------------------------------------


@dataclass
class _Entry:
    path: str
    name: Optional[str]
    app_id: Optional[str]
    app_id_path: str
    regions: Optional[list[str]]
    regions_path: Optional[str]  # None when the regions came from defaults.regions
    own: _Layer
    overrides: dict[str, _Layer]


@dataclass
class _Defaults:
    app_id: Optional[str] = None
    regions: Optional[list[str]] = None
    layer: _Layer = field(default_factory=dict)
    overrides: dict[str, _Layer] = field(default_factory=dict)
    app_id_invalid: bool = False
    regions_invalid: bool = False


def _defaults(value: Any, profiles: Mapping[str, Optional[StorageProfile]], problems: _Problems) -> _Defaults:
    out = _Defaults()
    if value is None:
        return out
    if not isinstance(value, Mapping):
        problems.add("defaults", f"must be an object, {got(value)}")
        return out
    _check_keys(value, _DEFAULTS_KEYS, "defaults", problems)
    if "appId" in value:
        out.app_id = _segment(value["appId"], "defaults.appId", "appId", problems)
        out.app_id_invalid = out.app_id is None
    if "regions" in value:
        out.regions = _regions(value["regions"], "defaults.regions", problems)
        out.regions_invalid = out.regions is None
    out.layer = _setting_fields(value, "defaults", profiles, problems)
    out.overrides = _overrides(value.get("overrides"), "defaults.overrides", None, profiles, problems)
    return out


def _entry(
    index: int,
    value: Any,
    defaults: _Defaults,
    profiles: Mapping[str, Optional[StorageProfile]],
    problems: _Problems,
) -> Optional[_Entry]:
    path = _index_path("entryPoints", index)
    if isinstance(value, str):
        value = {"name": value}  # shorthand: `- live`
    if not isinstance(value, Mapping):
        problems.add(path, f"must be an entry point name or an object with a name, {got(value)}")
        return None
    _check_keys(value, _ENTRY_KEYS, path, problems)

    name_path = key_path(path, "name")
    if "name" in value:
        name = _segment(value["name"], name_path, "entryPoint", problems)
    else:
        name = None
        problems.add(name_path, "is required (the entry point name)")

    app_id_path = key_path(path, "appId")
    if "appId" in value:
        app_id = _segment(value["appId"], app_id_path, "appId", problems)
    else:
        app_id = defaults.app_id
        if app_id is None and not defaults.app_id_invalid:
            problems.add(
                app_id_path, "is required: set it here or once for all entry points in defaults.appId"
            )

    regions_path: Optional[str] = key_path(path, "regions")
    if "regions" in value:
        regions = _regions(value["regions"], key_path(path, "regions"), problems)
    else:
        regions, regions_path = defaults.regions, None
        if regions is None and not defaults.regions_invalid:
            problems.add(
                key_path(path, "regions"),
                "is required: list push regions (cn, ap, na, eu) here or for all entry points in defaults.regions",
            )

    own = _setting_fields(value, path, profiles, problems)
    overrides = _overrides(value.get("overrides"), key_path(path, "overrides"), regions, profiles, problems)
    return _Entry(path, name, app_id, app_id_path, regions, regions_path, own, overrides)


# --- resolution -------------------------------------------------------------------------------------------


def _resolve(entry: _Entry, region: str, defaults: _Defaults) -> dict[str, tuple[Any, str]]:
    merged: dict[str, tuple[Any, str]] = {k: (v, "built-in default") for k, v in BUILTIN_DEFAULTS.items()}
    for layer in (
        defaults.layer,
        defaults.overrides.get(region, {}),
        entry.own,
        entry.overrides.get(region, {}),
    ):
        merged.update(layer)
    return merged


def _duplicates(
    entry: _Entry,
    app_id: str,
    name: str,
    regions: list[str],
    seen: dict[tuple[str, str, str, str], str],
    problems: _Problems,
    apis: Mapping[str, str],
) -> list[str]:
    """The entry's regions not already claimed by an earlier entry for the same API; reports the others.

    The three APIs' settings of one entry point are independent, so the same region may be listed once
    per API."""
    fresh: list[str] = []
    clashes: dict[str, list[str]] = {}
    for j, region in enumerate(regions):
        key = (apis[region], app_id, name, region)
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = entry.path
            fresh.append(region)
        elif entry.regions_path is not None:
            problems.add(
                _index_path(entry.regions_path, j),
                f"duplicates {earlier}: appId '{app_id}', entry point '{name}', region '{region}' "
                "is already listed there; list each (entry point, region) once and use overrides",
            )
        else:
            clashes.setdefault(earlier, []).append(region)
    for earlier, regions in clashes.items():
        problems.add(
            key_path(entry.path, "name"),
            f"duplicates {earlier}: appId '{app_id}', entry point '{name}' is already listed there "
            f"for region(s) {', '.join(regions)} (from defaults.regions); list each entry point once",
        )
    return fresh


def parse_fleet(
    defaults: Any = None,
    storage_profiles: Any = None,
    entry_points: Any = None,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    grouping: Any = None,
    resources: Any = None,
) -> Fleet:
    """Validate and resolve the three config values (already JSON-decoded) into a :class:`Fleet`.

    ``None`` means "not set". Raises :class:`FleetConfigError` with every problem found.
    """
    problems = _Problems()
    if grouping is not None and grouping not in GROUPINGS:
        problems.add(
            "grouping",
            f"must be setting (one resource per setting) or app (one SnapshotSettingSet per App ID), {got(grouping)}",
        )
    if resources is not None and resources not in RESOURCE_FLAVOURS:
        problems.add(
            "resources",
            "must be dynamic (the Python dynamic resources) or native (the agora package's resources; see "
            f"docs/migration.md), {got(resources)}",
        )
    profiles = _profiles(storage_profiles, problems)
    dflt = _defaults(defaults, profiles, problems)

    entries: list[_Entry] = []
    if entry_points is None:
        problems.add("entryPoints", "is required: a list of entry points (names, or objects with a name)")
    elif not isinstance(entry_points, list):
        problems.add("entryPoints", f"must be a list of entry points, {got(entry_points)}")
    else:
        for i, item in enumerate(entry_points):
            parsed = _entry(i, item, dflt, profiles, problems)
            if parsed is not None:
                entries.append(parsed)

    specs: list[SettingSpec] = []
    seen: dict[tuple[str, str, str, str], str] = {}
    # Storage outside the push region it serves, grouped by the config path that chose the profile, so one
    # bad `defaults.storage` is one line naming its users, not one line per entry point.
    misplaced: dict[str, tuple[StorageProfile, list[tuple[str, str]]]] = {}
    # A profile the setting's API cannot take, grouped like `misplaced`.
    unusable: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for entry in entries:
        app_id, name, regions = entry.app_id, entry.name, entry.regions
        if name is None or app_id is None or regions is None:
            continue  # already reported
        resolved = {region: _resolve(entry, region, dflt) for region in regions}  # once per setting
        apis = {region: str(merged["api"][0]) for region, merged in resolved.items()}
        for region in _duplicates(entry, app_id, name, regions, seen, problems, apis):
            merged = resolved[region]
            kind = KINDS[merged["api"][0]]
            profile_name, profile_path = merged["storage"]
            profile = profiles.get(profile_name) if profile_name is not None else None
            if profile_name is not None and profile is None:
                continue  # the profile itself is invalid, and reported
            if profile is not None:
                mismatch = _api_mismatch(profile, kind, merged["api"][1])
                if mismatch:
                    unusable.setdefault((profile_path, mismatch), []).append((entry.path, region))
                    continue
            if (
                profile is not None
                and profile.region is not None  # None only for Azure, which has no region to compare
                and profile.catalog.geography(profile.vendor, profile.region) != region
            ):
                misplaced.setdefault(profile_path, (profile, []))[1].append((entry.path, region))
            specs.append(
                SettingSpec(
                    app_id=app_id,
                    entry_point=name,
                    region=region,
                    enabled=merged["enabled"][0],
                    snapshot_interval=merged["snapshotInterval"][0],
                    enable_moderation=merged["enableModeration"][0],
                    storage=profile,
                    kind=kind,
                )
            )

    for (path, mismatch), users in unusable.items():
        problems.add(path, f"{mismatch} ({_listing([f'{p} {r}' for p, r in users])})")

    for path, (profile, users) in misplaced.items():
        served = sorted({region for _, region in users}, key=PUSH_REGIONS.index)
        problems.add(
            path,
            f"profile '{profile.name}' stores in {profile.describe()}, but serves push region "
            f"{'/'.join(served)} ({_listing([f'{p} {r}' for p, r in users])}); Agora's doc requires storage "
            "in the push region: pick a profile there with overrides.<region>.storage (here or in defaults)",
        )

    if problems.items:
        raise FleetConfigError(problems.items, namespace)
    valid_profiles = {name: p for name, p in profiles.items() if p is not None}
    return Fleet(
        settings=tuple(specs),
        profiles=valid_profiles,
        grouping=str(grouping or "setting"),
        resources=str(resources or "dynamic"),
    )


def _api_mismatch(profile: StorageProfile, kind: SettingKind, api_path: str) -> Optional[str]:
    """Why a setting of ``kind`` cannot use ``profile``, or ``None``."""
    if kind.catalog is None:
        return (
            f"profile '{profile.name}' cannot be used with api: {kind.name} (from {api_path}): standard snapshot "
            "settings take no storage; use api: custom, or storage: null"
        )
    if profile.vendor not in kind.catalog.vendor_names:
        return (
            f"profile '{profile.name}' uses vendor {profile.vendor} ({profile.catalog.vendor_names[profile.vendor]}), "
            f"which the {kind.name} API does not take (api from {api_path}): use api: custom"
        )
    if (
        profile.region is not None
        and not rules.region_is_ignored(profile.vendor, kind.catalog)
        and profile.region not in kind.catalog.storage_regions[profile.vendor]
    ):
        _, reason = rules.storage_region(profile.vendor, profile.region, kind.catalog)
        return f"profile '{profile.name}' cannot be used with api: {kind.name} (from {api_path}): its region {reason}"
    return None


def decode_config_value(raw: Optional[str]) -> Any:
    """Decode one raw config value the way ``pulumi.Config.get_object`` does, without raising.

    The CLI hands structured values (YAML maps and lists) to the program as JSON text. A value that is not
    JSON is returned as the plain string it is, so :func:`parse_fleet` reports it in its list ("must be an
    object, got ...") instead of the run stopping at the first ``ConfigTypeError``.
    """
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw
