"""The wire model of a snapshot setting: its inputs checked, its PATCH body, its state after a GET.

Pure data and functions: no HTTP, no Pulumi. The field rules themselves live in :mod:`agora_pulumi.rules`
(shared with the fleet config); this module applies them to a resource's inputs, decides what is required
and what the defaults are, and keeps values that are not known yet (Pulumi's preview unknowns, recognised
through an ``is_unknown`` predicate the caller passes in, so this module never imports the SDK).

Property names are the API's (camelCase); a failure names the property by its dotted path
(``storageConfig.region``) because that is what the user sees in ``pulumi preview``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from . import rules
from .identity import SettingIdentity, canonical_name
from .kinds import LEGACY, SettingKind
from .names import PYTHON_PROPERTY_NAMES, PYTHON_STORAGE_NAMES, SECRET_STORAGE_FIELDS, STORAGE_FIELDS
from .regions import DEFAULT_INTERVAL, StorageCatalog
from .rules import as_int

__all__ = [
    "DEFAULTS",
    "IDENTITY_PROPS",
    "SECRET_STORAGE_PROPS",
    "STORAGE_PROPS",
    "TOP_LEVEL_PROPS",
    "Failure",
    "InvalidResponseBody",
    "Setting",
    "SettingIdentity",
    "StorageConfig",
    "as_int",
    "check_props",
    "diff_paths",
    "diff_props",
    "has_unmanaged_storage",
    "setting_from_props",
    "state_from_response",
    "validate_response",
]

IsUnknown = Callable[[Any], bool]

IDENTITY_PROPS: tuple[str, ...] = ("appId", "entryPoint", "region")
"""Properties that name the setting: changing one means another setting, so a replace."""

TOP_LEVEL_PROPS: tuple[str, ...] = (
    "appId",
    "entryPoint",
    "region",
    "enabled",
    "snapshotInterval",
    "enableModeration",
    "storageConfig",
)
STORAGE_PROPS: tuple[str, ...] = STORAGE_FIELDS
SECRET_STORAGE_PROPS: tuple[str, ...] = SECRET_STORAGE_FIELDS
DEFAULTS: Mapping[str, Any] = {"snapshotInterval": DEFAULT_INTERVAL, "enableModeration": False}

NO_STORAGE_REASON = (
    "is not taken by standard snapshot settings (Agora's standard snapshot stores nothing in your bucket): "
    "use CustomSnapshotSetting for third-party storage"
)


def props_of(kind: SettingKind) -> tuple[str, ...]:
    """The top-level properties of a setting of ``kind``: ``storageConfig`` only where the API takes it."""
    return TOP_LEVEL_PROPS if kind.takes_storage else tuple(p for p in TOP_LEVEL_PROPS if p != "storageConfig")


def never_unknown(_value: Any) -> bool:
    """The default ``is_unknown``: outside a preview every value is known."""
    return False


@dataclass(frozen=True)
class Failure:
    """One invalid property: its dotted path and a reason that names the allowed values or the fix."""

    property: str
    reason: str


@dataclass(frozen=True)
class StorageConfig:
    """Where Agora uploads snapshots. ``region`` is ``None`` for Azure, which ignores it."""

    vendor: int
    region: Optional[int]
    bucket: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"vendor": int(self.vendor)}
        if self.region is not None:
            body["region"] = self.region
        body.update(bucket=self.bucket, accessKey=self.access_key, secretKey=self.secret_key)
        return body

    def to_state(self) -> dict[str, Any]:
        """As outputs: every key present, ``region`` ``None`` for Azure, the shape ``check`` and a refresh
        produce too (so a refresh never rewrites the state of an untouched setting)."""
        return {
            "vendor": int(self.vendor),
            "region": self.region,
            "bucket": self.bucket,
            "accessKey": self.access_key,
            "secretKey": self.secret_key,
        }


@dataclass(frozen=True)
class Setting:
    """A validated, fully known snapshot setting: what one PATCH makes true."""

    app_id: str
    entry_point: str
    region: str
    enabled: bool
    snapshot_interval: int = DEFAULT_INTERVAL
    enable_moderation: bool = False
    storage_config: Optional[StorageConfig] = None

    @property
    def identity(self) -> SettingIdentity:
        return SettingIdentity(self.app_id, self.entry_point, self.region)

    @property
    def id(self) -> str:
        return self.identity.id

    def to_body(self) -> dict[str, Any]:
        """The full PATCH body: every field is sent, so omitted inputs converge to their defaults."""
        body: dict[str, Any] = {
            "enabled": self.enabled,
            "snapshotInterval": self.snapshot_interval,
            "enableModeration": self.enable_moderation,
        }
        if self.storage_config is not None:
            body["storageConfig"] = self.storage_config.to_wire()
        return body

    def to_state(self) -> dict[str, Any]:
        """The resource's outputs (and normalised inputs), camelCase like the API."""
        return {
            "appId": self.app_id,
            "entryPoint": self.entry_point,
            "region": self.region,
            **self.to_body(),
            "storageConfig": self.storage_config.to_state() if self.storage_config else None,
        }


# --- check ------------------------------------------------------------------------------------------------


def _check_storage(
    value: Any, is_unknown: IsUnknown, failures: list[Failure], catalog: StorageCatalog
) -> Any:
    """Validate ``storageConfig`` against ``catalog``'s vendor tables; returns the normalised object (unknowns
    kept as they are)."""
    if not isinstance(value, Mapping):
        failures.append(
            Failure("storageConfig", f"must be an object with {', '.join(STORAGE_PROPS)}, {rules.got_opaque(value)}")
        )
        return None  # not echoed back in the checked inputs: it may be a key passed in the wrong place
    out: dict[str, Any] = {}
    for key in value:
        if key not in STORAGE_PROPS:
            failures.append(Failure(f"storageConfig.{key}", rules.unknown_property(key, STORAGE_PROPS)))

    vendor: Optional[int] = None
    raw_vendor = value.get("vendor")
    if is_unknown(raw_vendor):
        out["vendor"] = raw_vendor
    else:
        vendor, problem = rules.vendor(raw_vendor, catalog)
        if vendor is None:
            failures.append(Failure("storageConfig.vendor", str(problem)))
        else:
            out["vendor"] = int(vendor)  # a plain number in the inputs, like the engine's

    raw_region = value.get("region")
    if is_unknown(raw_region):
        out["region"] = raw_region
    elif vendor is not None and rules.region_is_ignored(vendor, catalog):
        # The doc: Azure "does not need" a region and ignores one; it is neither sent nor stored. A program
        # may still pass one (the doc allows it); only something that is not a region code is refused.
        if raw_region is not None and rules.as_int(raw_region) is None:
            failures.append(Failure("storageConfig.region", rules.ignored_region_reason(vendor, catalog)))
        out["region"] = None
    elif vendor is not None:
        code, problem = rules.storage_region(vendor, raw_region, catalog)
        if code is None:
            failures.append(Failure("storageConfig.region", str(problem)))
        else:
            out["region"] = code
    else:
        code = rules.as_int(raw_region)
        out["region"] = code if code is not None else raw_region

    raw_bucket = value.get("bucket")
    if is_unknown(raw_bucket):
        out["bucket"] = raw_bucket
    else:
        problem = rules.bucket_problem(vendor, raw_bucket, catalog)
        if problem:
            failures.append(Failure("storageConfig.bucket", problem))
        if isinstance(raw_bucket, str) and raw_bucket:
            out["bucket"] = raw_bucket

    for key in SECRET_STORAGE_PROPS:
        raw = value.get(key)
        if is_unknown(raw):
            out[key] = raw
            continue
        problem = rules.key_problem(raw)
        if problem:
            # Never echo the value: it may be a real key in the wrong place.
            failures.append(Failure(f"storageConfig.{key}", f"{problem}: set it ({_PYTHON_NAMES[key]} in Python) from a secret config value"))
        else:
            out[key] = raw
    return out


_PYTHON_NAMES: Mapping[str, str] = {**PYTHON_PROPERTY_NAMES, **PYTHON_STORAGE_NAMES}
"""The Python SDK's spelling of the camelCase properties a failure's path names. YAML, TypeScript and the native
package's other SDKs write the camelCase name the path already shows, Python programs this one: a message
says "set it (app_id in Python)" so it reads right in every language."""


def check_props(
    news: Mapping[str, Any],
    olds: Optional[Mapping[str, Any]] = None,
    is_unknown: IsUnknown = never_unknown,
    kind: SettingKind = LEGACY,
) -> tuple[dict[str, Any], list[Failure]]:
    """Validate and normalise a setting's inputs, for the API described by ``kind``.

    Returns the inputs to use (defaults filled, integral floats made ints, region lower-cased) and every
    failure found (not just the first). Unknown values are kept and not judged. ``olds`` are the previous
    inputs, used only for the one rule that depends on history: a storage config cannot be removed.
    """
    failures: list[Failure] = []
    out: dict[str, Any] = {}
    allowed = props_of(kind)
    for key in news:
        if key == "storageConfig" and not kind.takes_storage:
            if news[key] is not None:
                failures.append(Failure(key, NO_STORAGE_REASON))
        elif key not in allowed:
            failures.append(Failure(key, rules.unknown_property(key, allowed)))

    for key in ("appId", "entryPoint"):
        value = news.get(key)
        if is_unknown(value):
            out[key] = value
        elif value is None:
            failures.append(Failure(key, f"is required: set it ({_PYTHON_NAMES[key]} in Python) to the {rules.SEGMENT_WHAT[key]}"))
        else:
            name, problem = rules.segment(value, key)
            if name is None:
                failures.append(Failure(key, str(problem)))
            else:
                out[key] = name

    region = news.get("region")
    if is_unknown(region):
        out["region"] = region
    else:
        normalised, problem = rules.push_region(region)
        if normalised is None:
            failures.append(Failure("region", str(problem)))
        else:
            out["region"] = normalised

    enabled = news.get("enabled")
    if is_unknown(enabled) or isinstance(enabled, bool):
        out["enabled"] = enabled
    elif enabled is None:
        failures.append(Failure("enabled", "is required: true or false"))
    else:
        failures.append(Failure("enabled", str(rules.boolean_problem(enabled))))

    interval = news.get("snapshotInterval")
    if interval is None:
        out["snapshotInterval"] = DEFAULTS["snapshotInterval"]
    elif is_unknown(interval):
        out["snapshotInterval"] = interval
    else:
        seconds, problem = rules.interval(interval)
        if seconds is None:
            failures.append(Failure("snapshotInterval", str(problem)))
        else:
            out["snapshotInterval"] = seconds

    moderation = news.get("enableModeration")
    if moderation is None:
        out["enableModeration"] = DEFAULTS["enableModeration"]
    elif is_unknown(moderation) or isinstance(moderation, bool):
        out["enableModeration"] = moderation
    else:
        failures.append(Failure("enableModeration", str(rules.boolean_problem(moderation))))

    storage = news.get("storageConfig")
    if kind.catalog is None:
        return out, failures
    if storage is None:
        out["storageConfig"] = None
        same_setting = olds is not None and all(
            canonical_name(str(olds.get(k, ""))).lower() == str(out.get(k, "")).lower() for k in IDENTITY_PROPS
        )
        if same_setting and olds is not None and olds.get("storageConfig") is not None:
            failures.append(
                Failure(
                    "storageConfig",
                    "cannot be removed once set: Agora's PATCH cannot clear a storage config, so Agora would keep "
                    "uploading with the old one. Keep storageConfig (storage_config in Python; point it at another "
                    "bucket if needed), set enabled to false to stop capturing, or stop managing the setting with `pulumi state delete`.",
                )
            )
    elif is_unknown(storage):
        out["storageConfig"] = storage
    else:
        out["storageConfig"] = _check_storage(storage, is_unknown, failures, kind.catalog)
    return out, failures


def setting_from_props(props: Mapping[str, Any]) -> Setting:
    """Build the model from inputs that ``check_props`` accepted and that are fully known."""
    storage = props.get("storageConfig")
    config = None
    if storage is not None:
        config = StorageConfig(
            vendor=int(storage["vendor"]),
            region=None if storage.get("region") is None else int(storage["region"]),
            bucket=str(storage["bucket"]),
            access_key=str(storage["accessKey"]),
            secret_key=str(storage["secretKey"]),
        )
    return Setting(
        app_id=str(props["appId"]),
        entry_point=str(props["entryPoint"]),
        region=str(props["region"]).lower(),
        enabled=bool(props["enabled"]),
        snapshot_interval=int(props.get("snapshotInterval", DEFAULT_INTERVAL)),
        enable_moderation=bool(props.get("enableModeration", False)),
        storage_config=config,
    )


# --- diff -------------------------------------------------------------------------------------------------


def _contains_unknown(value: Any, is_unknown: IsUnknown) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v, is_unknown) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_unknown(v, is_unknown) for v in value)
    return False


def diff_props(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    is_unknown: IsUnknown = never_unknown,
    kind: SettingKind = LEGACY,
) -> tuple[list[str], list[str]]:
    """Which properties change, and which of those force a replace.

    ``olds`` are the previous *outputs* (possibly written by an older version, or by a refresh) and
    ``news`` the checked inputs; both are normalised first, so omitted defaults, ``30.0`` vs ``30`` and
    ``CN`` vs ``cn`` are not changes. An unknown value counts as a change (a replace for identity props),
    as Pulumi cannot yet prove it equal.
    """
    old_norm, _ = check_props(olds, None, is_unknown, kind)
    new_norm, _ = check_props(news, None, is_unknown, kind)
    changed = [
        key
        for key in props_of(kind)
        if _contains_unknown(new_norm.get(key), is_unknown) or old_norm.get(key) != new_norm.get(key)
    ]
    replaces = [key for key in changed if key in IDENTITY_PROPS]
    return changed, replaces


def diff_paths(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    is_unknown: IsUnknown = never_unknown,
    kind: SettingKind = LEGACY,
) -> list[str]:
    """The changed fields as property paths (``snapshotInterval``, ``storageConfig.accessKey``), normalised as
    :func:`diff_props` does: what a preview should name. ``storageConfig`` whole when it appears or goes.
    A path never carries a value, so naming a key field that changes reveals nothing."""
    old_norm, _ = check_props(olds, None, is_unknown, kind)
    new_norm, _ = check_props(news, None, is_unknown, kind)
    paths: list[str] = []
    for key in props_of(kind):
        old, new = old_norm.get(key), new_norm.get(key)
        if key == "storageConfig" and isinstance(old, Mapping) and isinstance(new, Mapping):
            paths.extend(
                f"storageConfig.{field}"
                for field in STORAGE_PROPS
                if _contains_unknown(new.get(field), is_unknown) or old.get(field) != new.get(field)
            )
        elif _contains_unknown(new, is_unknown) or old != new:
            paths.append(key)
    return paths


# --- read -------------------------------------------------------------------------------------------------

_MASKED = re.compile(r"\*{3,}")


def _readable_key(value: Any) -> bool:
    """A key read back is usable only if it is a real value, not blank or masked (``ab***yz``)."""
    return isinstance(value, str) and bool(value) and not _MASKED.search(value)


def has_unmanaged_storage(body: Mapping[str, Any], previous: Optional[Mapping[str, Any]]) -> bool:
    """Agora holds a storage config that the resource's state does not."""
    return isinstance(body.get("storageConfig"), Mapping) and not (previous or {}).get("storageConfig")


class InvalidResponseBody(ValueError):
    """A GET answer with a field of the wrong type or out of range.

    Taken as "no drift" or written into state, such a value would hide what Agora holds (``"enabled": "false"``
    read as unchanged) or break the engine later (a 400-digit number cannot become a protobuf number). The
    reason names the field and the expected type, and shows at most a type name or a small number: never a
    string from the answer, which could be a storage key.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


def _judge(field: str, problem: Optional[str]) -> None:
    if problem is not None:
        raise InvalidResponseBody(field, problem)


def validate_response(body: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidResponseBody` for the first field of a GET answer that cannot become state.

    Only the fields this resource reads are judged; a field Agora adds later is ignored. ``null`` counts as
    absent, like a missing field (its state value is kept). Values are shown with
    :func:`rules.got_in_answer`: a type name or a small number, never a string from the answer.
    """
    shown = rules.got_in_answer
    for key in ("enabled", "snapshotInterval", "enableModeration"):
        value = body.get(key)
        if value is None:
            continue
        if key == "snapshotInterval":
            _judge(key, rules.interval(value, shown)[1])
        else:
            _judge(key, rules.boolean_problem(value, shown))
    storage = body.get("storageConfig")
    if storage is None:
        return
    if not isinstance(storage, Mapping):
        raise InvalidResponseBody("storageConfig", f"must be an object or null, {shown(storage)}")
    for key in STORAGE_PROPS:
        value = storage.get(key)
        if value is not None:
            problem = rules.code_problem(value) if key in ("vendor", "region") else rules.string_problem(value)
            _judge(f"storageConfig.{key}", problem)


def state_from_response(
    identity: SettingIdentity,
    body: Mapping[str, Any],
    previous: Optional[Mapping[str, Any]] = None,
    kind: SettingKind = LEGACY,
) -> dict[str, Any]:
    """The resource state after a GET, tolerant of missing fields, strict about wrong ones.

    The answer is validated first (:func:`validate_response`, raising :class:`InvalidResponseBody`): a wrong
    type is an error, never silently "no drift".

    A field Agora leaves out (the doc's own example omits ``bucket``) keeps its previous value. Keys read
    back replace the known ones only when they are real and different. A storage config the resource does
    not manage (set in the console while state has none) is not pulled into state: its keys were never
    Pulumi's, and since PATCH cannot clear it, the code could never converge to "none" anyway. The provider
    warns about it instead (:func:`has_unmanaged_storage`).
    """
    validate_response(body)
    prev = previous or {}

    def pick_bool(key: str, default: bool) -> bool:
        value = body.get(key)
        if isinstance(value, bool):
            return value
        old = prev.get(key)
        return old if isinstance(old, bool) else default

    interval = as_int(body.get("snapshotInterval"))
    if interval is None:
        interval = as_int(prev.get("snapshotInterval"))
    state: dict[str, Any] = {
        "appId": identity.app_id,
        "entryPoint": identity.entry_point,
        "region": identity.region,
        "enabled": pick_bool("enabled", False),
        "snapshotInterval": interval if interval is not None else DEFAULT_INTERVAL,
        "enableModeration": pick_bool("enableModeration", False),
        "storageConfig": None,
    }
    storage = body.get("storageConfig")
    old_storage = prev.get("storageConfig")
    if isinstance(storage, Mapping) and isinstance(old_storage, Mapping):
        old = old_storage
        vendor = as_int(storage.get("vendor"))
        if vendor is None:
            vendor = as_int(old.get("vendor"))
        storage_region = as_int(storage.get("region"))
        if storage_region is None:
            storage_region = as_int(old.get("region"))
        if vendor is not None and kind.catalog is not None and vendor in kind.catalog.vendors_without_region:
            storage_region = None
        bucket = storage.get("bucket") if isinstance(storage.get("bucket"), str) else old.get("bucket")
        new_storage: dict[str, Any] = {"vendor": vendor, "region": storage_region, "bucket": bucket}
        for key in SECRET_STORAGE_PROPS:
            read_back = storage.get(key)
            known = old.get(key)
            if _readable_key(read_back) and read_back != known:
                new_storage[key] = read_back
            else:
                new_storage[key] = known
        state["storageConfig"] = new_storage
    return state
