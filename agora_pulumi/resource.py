"""The Pulumi resources an infra program writes: ``SnapshotSetting`` (the seed API), ``StandardSnapshotSetting``
and ``CustomSnapshotSetting`` (the current API's two paths), and ``SnapshotSettingSet`` (many at once).

A resource only shapes inputs; every rule lives in the provider's ``check`` (which runs in the engine's
provider process, where unknowns and numbers-as-floats are handled in one place). Two jobs stay here
because only the program side can do them:

* Storage keys are wrapped in ``Output.secret`` and ``storageConfig`` is listed in
  ``additional_secret_outputs`` (a set keys its members in an object instead, so the engine keeps each key's
  secrecy), so the keys are encrypted in state and masked in previews even when the program passed plain
  strings.
* Property names are translated: Python attributes are snake_case, state and the wire are the API's
  camelCase (``snapshotInterval``), so ``pulumi stack export`` reads like Agora's doc.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Mapping, Optional, Sequence, Union

import pulumi
import pulumi.dynamic
import pulumi.runtime
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings

from . import rules
from .config_secrets import only_loopback_endpoints, plaintext_credentials, plaintext_message
from .identity import SettingIdentity
from .kinds import CUSTOM, LEGACY, STANDARD, setting_key
from .names import (
    MODULE,
    PYTHON_PROPERTY_NAMES,
    SECRET_STORAGE_FIELDS,
    SNAPSHOT_SETTING,
    SNAPSHOT_SETTING_SET,
    TYPE_TOKEN,
)
from .provider import CustomSnapshotSettingProvider, SnapshotSettingProvider, StandardSnapshotSettingProvider
from .set_model import member_key
from .set_provider import SnapshotSettingSetProvider

__all__ = [
    "TYPE_TOKEN",
    "CustomSnapshotSetting",
    "CustomSnapshotSettingArgs",
    "SnapshotSetting",
    "SettingSetMember",
    "SnapshotSettingArgs",
    "SnapshotSettingSet",
    "StandardSnapshotSetting",
    "StandardSnapshotSettingArgs",
    "StorageConfigArgs",
]

_API_TO_PY: Mapping[str, str] = PYTHON_PROPERTY_NAMES
_PY_TO_API: Mapping[str, str] = {v: k for k, v in _API_TO_PY.items()}

# Keys accepted in a plain ``storage_config`` dict, in either spelling, mapped to the API's.
_STORAGE_KEYS: Mapping[str, str] = {
    "vendor": "vendor",
    "region": "region",
    "bucket": "bucket",
    "access_key": "accessKey",
    "accessKey": "accessKey",
    "secret_key": "secretKey",
    "secretKey": "secretKey",
}


def api_to_python(prop: str) -> str:
    """An engine (camelCase) property name as the Python attribute (``snapshotInterval`` → ``snapshot_interval``)."""
    return _API_TO_PY.get(prop, prop)


def python_to_api(prop: str) -> str:
    """A Python attribute name as the engine's (camelCase) property name: the inverse of :func:`api_to_python`."""
    return _PY_TO_API.get(prop, prop)


class _Program:
    """What this program has registered so far, checked before each registration. Two jobs only the program
    can do: refuse credentials that the stack config holds in plain text before the provider (whose inputs
    are the stack config) is recorded in state, and refuse two owners of one setting (the engine would let
    both write it, Agora keeps the last writer, and deleting one disables the other's setting).

    Kept per deployment: a new monitor (a new run, or a test's ``set_mocks``) starts afresh."""

    def __init__(self, monitor: Any) -> None:
        self.monitor = monitor
        self.owners: dict[str, str] = {}


_PROGRAM: Optional[_Program] = None


def _program() -> _Program:
    """This run's registry; the first call of a run also checks the stack config's secrets."""
    global _PROGRAM
    monitor = runtime_settings.get_monitor()
    if _PROGRAM is None or _PROGRAM.monitor is not monitor:
        _PROGRAM = _Program(monitor)
        _refuse_plaintext_credentials()
    return _PROGRAM


def _refuse_plaintext_credentials() -> None:
    config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    commands = plaintext_credentials(config, pulumi.runtime.is_config_secret)
    if not commands:
        return
    if only_loopback_endpoints(config, os.environ):
        pulumi.log.warn(plaintext_message(commands, refused=False))
        return
    raise pulumi.RunError(plaintext_message(commands, refused=True))


def claim_setting(key: str, owner: str) -> None:
    """``owner`` manages the setting ``key``; a second owner in this program is an error naming both. The
    first claim of a run also refuses plaintext credentials in the stack config (:func:`_program`)."""
    owners = _program().owners
    first = owners.setdefault(key, owner)
    if first != owner:
        raise pulumi.RunError(
            f"{owner} and {first} both manage the snapshot setting {key}: they would overwrite each other at "
            "Agora, and removing one later disables the setting the other still manages. Keep one of them; to "
            "rename a resource, declare its old name with opts=pulumi.ResourceOptions(aliases=[...])."
        )


def _known_key(kind: Any, app_id: Any, entry_point: Any, region: Any) -> Optional[str]:
    """The setting key when the identity is plain strings (an identity known only later is the policy
    pack's to judge)."""
    if not all(isinstance(v, str) for v in (app_id, entry_point, region)):
        return None
    return setting_key(kind, SettingIdentity(app_id, entry_point, rules.push_region(region)[0] or region))


class StorageConfigArgs:
    """Where snapshots are uploaded: a third-party bucket and the keys Agora uses to write to it.

    ``region`` is a code from the vendor's table in Agora's doc (see ``agora_pulumi.regions``); Azure
    (vendor 5) ignores it. ``access_key`` and ``secret_key`` are always stored as secrets.
    """

    def __init__(
        self,
        vendor: pulumi.Input[int],
        region: Optional[pulumi.Input[int]] = None,
        bucket: Optional[pulumi.Input[str]] = None,
        access_key: Optional[pulumi.Input[str]] = None,
        secret_key: Optional[pulumi.Input[str]] = None,
    ) -> None:
        self.vendor = vendor
        self.region = region
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key

    def to_props(self) -> dict[str, Any]:
        """The API-shaped dict with both keys wrapped as secrets."""
        return _storage_props(
            {
                "vendor": self.vendor,
                "region": self.region,
                "bucket": self.bucket,
                "accessKey": self.access_key,
                "secretKey": self.secret_key,
            }
        )


StorageConfigInput = Union[StorageConfigArgs, Mapping[str, Any], "pulumi.Output[Any]"]


def _storage_props(api_shaped: Mapping[str, Any]) -> dict[str, Any]:
    props = dict(api_shaped)
    for key in SECRET_STORAGE_FIELDS:
        if props.get(key) is not None:
            props[key] = pulumi.Output.secret(props[key])
    return props


def _storage_from_plain(value: Any) -> Any:
    """Normalise a resolved storage config (args object or dict in either spelling) to API names."""
    if isinstance(value, StorageConfigArgs):
        return {
            "vendor": value.vendor,
            "region": value.region,
            "bucket": value.bucket,
            "accessKey": value.access_key,
            "secretKey": value.secret_key,
        }
    if isinstance(value, Mapping):
        # Unknown keys are passed through untranslated so that check() can name them.
        return {_STORAGE_KEYS.get(k, k): v for k, v in value.items()}
    return value


def _storage_input(value: Optional[StorageConfigInput]) -> Any:
    if value is None:
        return None
    if isinstance(value, pulumi.Output):
        # The whole object is only known later: keep it secret as a whole, since the keys are inside.
        return pulumi.Output.secret(value.apply(_storage_from_plain))
    shaped = _storage_from_plain(value)
    return _storage_props(shaped) if isinstance(shaped, Mapping) else shaped


class SnapshotSettingArgs:
    """The inputs of a ``SnapshotSetting`` (or ``CustomSnapshotSetting``); every field accepts a plain value or
    a ``pulumi.Input``."""

    def __init__(
        self,
        app_id: pulumi.Input[str],
        entry_point: pulumi.Input[str],
        region: pulumi.Input[str],
        enabled: pulumi.Input[bool],
        snapshot_interval: Optional[pulumi.Input[int]] = None,
        enable_moderation: Optional[pulumi.Input[bool]] = None,
        storage_config: Optional[StorageConfigInput] = None,
    ) -> None:
        self.app_id = app_id
        self.entry_point = entry_point
        self.region = region
        self.enabled = enabled
        self.snapshot_interval = snapshot_interval
        self.enable_moderation = enable_moderation
        self.storage_config = storage_config


CustomSnapshotSettingArgs = SnapshotSettingArgs
"""The custom API takes the same fields (its vendor tables differ, which ``check`` knows)."""


class StandardSnapshotSettingArgs:
    """The inputs of a ``StandardSnapshotSetting``: no storage (the standard API stores nothing of yours)."""

    def __init__(
        self,
        app_id: pulumi.Input[str],
        entry_point: pulumi.Input[str],
        region: pulumi.Input[str],
        enabled: pulumi.Input[bool],
        snapshot_interval: Optional[pulumi.Input[int]] = None,
        enable_moderation: Optional[pulumi.Input[bool]] = None,
    ) -> None:
        self.app_id = app_id
        self.entry_point = entry_point
        self.region = region
        self.enabled = enabled
        self.snapshot_interval = snapshot_interval
        self.enable_moderation = enable_moderation


_Args = Union[SnapshotSettingArgs, StandardSnapshotSettingArgs]


class _SettingResource(pulumi.dynamic.Resource):
    """What the three snapshot-setting resources share: argument handling, secret wrapping, names.

    Subclasses name their type (``module``/``name``), their args class and their provider; nothing else.
    """

    _ARGS: ClassVar[type[_Args]] = SnapshotSettingArgs
    _PROVIDER: ClassVar[type[SnapshotSettingProvider]] = SnapshotSettingProvider

    app_id: pulumi.Output[str]
    entry_point: pulumi.Output[str]
    region: pulumi.Output[str]
    enabled: pulumi.Output[bool]
    snapshot_interval: pulumi.Output[int]
    enable_moderation: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        args: Optional[_Args],
        opts: Optional[pulumi.ResourceOptions],
        keywords: Mapping[str, Any],
    ) -> None:
        kind = type(self).__name__
        if args is not None and not isinstance(args, self._ARGS):
            raise TypeError(
                f"{kind}({resource_name!r}, ...): the second argument must be a {self._ARGS.__name__}, "
                f"got {type(args).__name__}; pass options as opts=pulumi.ResourceOptions(...)"
            )
        if args is not None and any(value is not None for value in keywords.values()):
            raise TypeError(
                f"{kind}({resource_name!r}, ...): give the inputs either as a {self._ARGS.__name__} or as "
                "keyword arguments, not both"
            )
        if args is None:
            args = self._ARGS(**keywords)
        props: dict[str, Any] = {
            "app_id": args.app_id,
            "entry_point": args.entry_point,
            "region": args.region,
            "enabled": args.enabled,
            "snapshot_interval": args.snapshot_interval,
            "enable_moderation": args.enable_moderation,
        }
        if self._PROVIDER.KIND.takes_storage:
            props["storage_config"] = _storage_input(getattr(args, "storage_config", None))
            secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["storageConfig"])
            opts = pulumi.ResourceOptions.merge(opts, secret_opts)
        key = _known_key(self._PROVIDER.KIND, args.app_id, args.entry_point, args.region)
        if key is None:
            _program()
        else:
            claim_setting(key, resource_name)
        super().__init__(self._PROVIDER(), resource_name, props, opts)

    def translate_output_property(self, prop: str) -> str:
        """Engine (camelCase) name to the Python attribute name."""
        return api_to_python(prop)

    def translate_input_property(self, prop: str) -> str:
        """Python attribute name to the state/wire (camelCase) name."""
        return python_to_api(prop)


class _StorageSettingResource(_SettingResource):
    """The two resources whose API takes ``storageConfig``: the same arguments, another provider each."""

    storage_config: pulumi.Output[Optional[dict[str, Any]]]

    def __init__(
        self,
        resource_name: str,
        args: Optional[SnapshotSettingArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        app_id: Optional[pulumi.Input[str]] = None,
        entry_point: Optional[pulumi.Input[str]] = None,
        region: Optional[pulumi.Input[str]] = None,
        enabled: Optional[pulumi.Input[bool]] = None,
        snapshot_interval: Optional[pulumi.Input[int]] = None,
        enable_moderation: Optional[pulumi.Input[bool]] = None,
        storage_config: Optional[StorageConfigInput] = None,
    ) -> None:
        keywords = dict(
            app_id=app_id, entry_point=entry_point, region=region, enabled=enabled,
            snapshot_interval=snapshot_interval, enable_moderation=enable_moderation, storage_config=storage_config,
        )
        super().__init__(resource_name, args, opts, keywords)


class SnapshotSetting(_StorageSettingResource, module=MODULE, name=SNAPSHOT_SETTING):
    """The snapshot-capturing setting of one entry point in one push region, on the seed API's path
    (``…/settings/snapshot/regions/{region}``, storage vendors 0-5).

    The resource id is ``"{appId}/{entryPoint}/{region}"``. Changing any of the three replaces the resource
    (a new setting is enabled, then the old one disabled); everything else updates in place. Deleting the
    resource disables snapshot capturing (Agora has no delete), and a rename must carry
    ``opts=ResourceOptions(aliases=[...])`` to keep the setting owned by one resource — see docs/resources.md.
    """


class CustomSnapshotSetting(_StorageSettingResource, module=MODULE, name=CUSTOM.resource):
    """The current Media Broadcast API's *custom* snapshot setting (``…/settings/snapshot/custom/…``): like
    ``SnapshotSetting``, with the current storage tables (vendors 0-8: Google Cloud, Huawei Cloud and Baidu AI
    Cloud added). Same identity, lifecycle and secrets as ``SnapshotSetting``; an independent setting at
    Agora."""

    _PROVIDER: ClassVar[type[SnapshotSettingProvider]] = CustomSnapshotSettingProvider


class StandardSnapshotSetting(_SettingResource, module=MODULE, name=STANDARD.resource):
    """The current Media Broadcast API's *standard* snapshot setting (``…/settings/snapshot/standard/…``):
    enabled, interval and moderation; no storage. Same identity and lifecycle as ``SnapshotSetting``; an
    independent setting at Agora."""

    _ARGS: ClassVar[type[_Args]] = StandardSnapshotSettingArgs
    _PROVIDER: ClassVar[type[SnapshotSettingProvider]] = StandardSnapshotSettingProvider

    def __init__(
        self,
        resource_name: str,
        args: Optional[StandardSnapshotSettingArgs] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        app_id: Optional[pulumi.Input[str]] = None,
        entry_point: Optional[pulumi.Input[str]] = None,
        region: Optional[pulumi.Input[str]] = None,
        enabled: Optional[pulumi.Input[bool]] = None,
        snapshot_interval: Optional[pulumi.Input[int]] = None,
        enable_moderation: Optional[pulumi.Input[bool]] = None,
    ) -> None:
        keywords = dict(
            app_id=app_id, entry_point=entry_point, region=region, enabled=enabled,
            snapshot_interval=snapshot_interval, enable_moderation=enable_moderation,
        )
        super().__init__(resource_name, args, opts, keywords)


class SettingSetMember:
    """One setting of a ``SnapshotSettingSet``: the fields of a ``SnapshotSetting`` (``api="legacy"``), a
    ``CustomSnapshotSetting`` (``api="custom"``) or a ``StandardSnapshotSetting`` (``api="standard"``, no
    storage). ``app_id``, ``entry_point`` and ``region`` must be plain strings: they key the member."""

    def __init__(
        self,
        app_id: str,
        entry_point: str,
        region: str,
        enabled: pulumi.Input[bool],
        snapshot_interval: Optional[pulumi.Input[int]] = None,
        enable_moderation: Optional[pulumi.Input[bool]] = None,
        storage_config: Optional[StorageConfigInput] = None,
        api: str = LEGACY.name,
    ) -> None:
        for name, value in (("app_id", app_id), ("entry_point", entry_point), ("region", region), ("api", api)):
            if not isinstance(value, str):
                raise TypeError(
                    f"SettingSetMember: {name} must be a plain string (it keys the member in the set), got "
                    f"{type(value).__name__}; a value only known later needs a single resource instead"
                )
        # The names key the member, so they are judged here, by check()'s rule, and put in the form check()
        # gives them (NFC): a key that looks like another setting's, or two keys for one setting, cannot arise.
        names: dict[str, str] = {}
        for name, key, value in (("app_id", "appId", app_id), ("entry_point", "entryPoint", entry_point)):
            checked, problem = rules.segment(value, key)
            if checked is None:
                raise ValueError(f"SettingSetMember: {name} {problem}")
            names[key] = checked
        self.app_id = names["appId"]
        self.entry_point = names["entryPoint"]
        # Normalised as check() will ("CN " is cn), so the key matches the setting the provider sees.
        self.region = rules.push_region(region)[0] or region
        self.enabled = enabled
        self.snapshot_interval = snapshot_interval
        self.enable_moderation = enable_moderation
        self.storage_config = storage_config
        self.api = api

    @property
    def key(self) -> str:
        """The member's key in the set (and in the fleet's outputs): its setting id, prefixed by the API for
        the current ones."""
        return member_key(self.api, self.app_id, self.entry_point, self.region)

    def to_props(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "api": self.api,
            "appId": self.app_id,
            "entryPoint": self.entry_point,
            "region": self.region,
            "enabled": self.enabled,
            "snapshotInterval": self.snapshot_interval,
            "enableModeration": self.enable_moderation,
        }
        if self.storage_config is not None:
            props["storageConfig"] = _storage_input(self.storage_config)
        return props


class SnapshotSettingSet(pulumi.dynamic.Resource, module=MODULE, name=SNAPSHOT_SETTING_SET):
    """Many snapshot settings (e.g. all of one App ID's) as one resource, for large fleets.

    ``pulumi up`` sends one PATCH per member that differs from the state and none for the others,
    concurrently within the provider's rate limit; removing a member disables exactly that setting; refresh
    reads every member and a 404 drops only that member. Each member keeps the rules of its single-resource
    kind. The preview shows each member's changes; storage keys stay secret (each key is wrapped in
    ``Output.secret``, and the state keys members by id so the engine keeps that secrecy per member).
    """

    settings: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        settings: Sequence[SettingSetMember],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        keyed: dict[str, Any] = {}
        for member in settings:
            if not isinstance(member, SettingSetMember):
                raise TypeError(
                    f"SnapshotSettingSet({resource_name!r}, ...): settings must be SettingSetMember objects, "
                    f"got {type(member).__name__}"
                )
            if member.key in keyed:
                raise TypeError(
                    f"SnapshotSettingSet({resource_name!r}, ...): the setting {member.key} is listed twice; "
                    "list each setting once"
                )
            keyed[member.key] = member.to_props()
        _program()
        for key in keyed:
            claim_setting(key, f'{resource_name}.settings["{key}"]')
        super().__init__(SnapshotSettingSetProvider(), resource_name, {"settings": keyed}, opts)
        self.member_keys: list[str] = list(keyed)
        """The members' keys in the order given (the state's object has no order)."""
