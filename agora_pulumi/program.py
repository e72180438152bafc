"""The Pulumi program of this repository: read the fleet from stack config, register one resource per
entry point × push region (``grouping: setting``) or one ``SnapshotSettingSet`` per App ID (``grouping: app``),
export what was managed. ``resources: native`` registers the native ``agora`` package's resources under the
same names instead of the dynamic ones (:mod:`agora_pulumi.native_resource`).

``__main__.py`` at the repository root only calls :func:`main`; everything lives here so that the program
is importable, typed and tested under ``pulumi.runtime.set_mocks`` like any other module, and so that a team
copying the repository can also call :func:`register_fleet` from a program of its own.

Order matters: the whole config is parsed and validated (:mod:`agora_pulumi.fleet`) *before* the first
resource is constructed. A bad config therefore stops the run with one :class:`pulumi.RunError` listing
every bad path (the CLI prints a ``RunError`` without a Python traceback) and with nothing registered, so a
preview never shows a half-applied fleet.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Union

import pulumi

from .fleet import (
    CONFIG_KEYS,
    Fleet,
    FleetConfigError,
    SettingSpec,
    StorageProfile,
    decode_config_value,
    parse_fleet,
)
from .kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from .names import SNAPSHOT_SETTING_SET, native_type_token
from .native_resource import NativeSnapshotSetting, NativeSnapshotSettingSet, other_type_alias
from .resource import (
    CustomSnapshotSetting,
    SettingSetMember,
    SnapshotSetting,
    SnapshotSettingArgs,
    SnapshotSettingSet,
    StandardSnapshotSetting,
    StandardSnapshotSettingArgs,
    StorageConfigArgs,
)

SettingResource = Union[SnapshotSetting, StandardSnapshotSetting, CustomSnapshotSetting, NativeSnapshotSetting]
SetResource = Union[SnapshotSettingSet, NativeSnapshotSettingSet]
Registered = dict[str, Union[SettingResource, SetResource]]


def read_fleet(config: Optional[pulumi.Config] = None) -> Fleet:
    """Parse the fleet from the project's config namespace (``agora-snapshots`` by default).

    Values are read as raw strings and JSON-decoded here, which is what ``Config.get_object`` does, except
    that a value which is not JSON becomes one more listed problem instead of an immediate
    ``ConfigTypeError``. Storage keys are plain strings at this point: they are only needed as strings to
    validate them, and :func:`storage_args` wraps them as secrets before any resource sees them.
    """
    cfg = config if config is not None else pulumi.Config()
    raw = {key: decode_config_value(cfg.get(key)) for key in CONFIG_KEYS}
    try:
        return parse_fleet(
            defaults=raw["defaults"],
            storage_profiles=raw["storageProfiles"],
            entry_points=raw["entryPoints"],
            namespace=cfg.name,
            grouping=raw["grouping"],
            resources=raw["resources"],
        )
    except FleetConfigError as err:
        # `from None`: the chained FleetConfigError would only repeat the same text.
        raise pulumi.RunError(str(err)) from None


def storage_args(profile: StorageProfile) -> StorageConfigArgs:
    """The resource's storage input, with both keys wrapped in ``Output.secret``.

    Wrapping them here makes the resources' copies secrets in state and masked in previews; the stack config's
    own copy is only encrypted when set with ``--secret`` (the resource refuses plain text, except against
    the emulator: :mod:`agora_pulumi.config_secrets`). ``SnapshotSetting``
    wraps them too; doing it here as well keeps this program safe should it ever build the storage input
    some other way.
    """
    return StorageConfigArgs(
        vendor=int(profile.vendor),
        region=profile.region,
        bucket=profile.bucket,
        access_key=pulumi.Output.secret(profile.access_key),
        secret_key=pulumi.Output.secret(profile.secret_key),
    )


def setting_args(spec: SettingSpec) -> SnapshotSettingArgs:
    """The resource inputs of one resolved setting. Every field is explicit (see ``fleet.BUILTIN_DEFAULTS``)."""
    return SnapshotSettingArgs(
        app_id=spec.app_id,
        entry_point=spec.entry_point,
        region=spec.region,
        enabled=spec.enabled,
        snapshot_interval=spec.snapshot_interval,
        enable_moderation=spec.enable_moderation,
        storage_config=storage_args(spec.storage) if spec.storage is not None else None,
    )


def register(spec: SettingSpec, opts: Optional[pulumi.ResourceOptions] = None) -> SettingResource:
    """The dynamic resource of one resolved setting, of the API its ``api`` names, named by its setting id (the
    type differs per API, so the three kinds of one entry point never clash). It carries an alias to the native
    type of the same name, so a stack on ``resources: native`` moves back without a request to Agora."""
    opts = other_type_alias(opts, spec.kind.native_type_token)
    if spec.kind is STANDARD:
        fields = {k: v for k, v in vars(setting_args(spec)).items() if k != "storage_config"}
        return StandardSnapshotSetting(spec.resource_name, StandardSnapshotSettingArgs(**fields), opts=opts)
    cls = CustomSnapshotSetting if spec.kind is CUSTOM else SnapshotSetting
    return cls(spec.resource_name, setting_args(spec), opts=opts)


def register_native(spec: SettingSpec, opts: Optional[pulumi.ResourceOptions] = None) -> NativeSnapshotSetting:
    """The native package's resource of one resolved setting: same name, same inputs as :func:`register`'s."""
    props = {k: v for k, v in set_member(spec).to_props().items() if k != "api"}
    return NativeSnapshotSetting(spec.kind, spec.resource_name, props, spec.output_key, opts)


def register_fleet(fleet: Fleet, opts: Optional[pulumi.ResourceOptions] = None) -> Registered:
    """Register the fleet: with ``grouping: setting`` one resource per setting, keyed by
    :attr:`SettingSpec.output_key`; with ``grouping: app`` one set per App ID, keyed (and named) by the App ID.
    ``resources`` says whose: the dynamic resources or the native package's, under the same names."""
    native = fleet.resources == "native"
    if fleet.grouping == "app":
        by_app: dict[str, list[SettingSpec]] = {}
        for spec in fleet.settings:
            by_app.setdefault(spec.app_id, []).append(spec)
        if native:
            return {
                app_id: NativeSnapshotSettingSet(app_id, [set_member(s) for s in specs], opts)
                for app_id, specs in by_app.items()
            }
        set_opts = other_type_alias(opts, native_type_token(SNAPSHOT_SETTING_SET))
        return {
            app_id: SnapshotSettingSet(app_id, [set_member(s) for s in specs], set_opts)
            for app_id, specs in by_app.items()
        }
    if native:
        return {spec.output_key: register_native(spec, opts) for spec in fleet.settings}
    return {spec.output_key: register(spec, opts) for spec in fleet.settings}


def set_member(spec: SettingSpec) -> SettingSetMember:
    """One setting of a ``SnapshotSettingSet``, with the same inputs its single resource would get."""
    args = setting_args(spec)
    return SettingSetMember(**vars(args), api=spec.kind.name)


def fleet_outputs(settings: Mapping[str, Union[SettingResource, SetResource]]) -> dict[str, Any]:
    """The stack outputs: managed ids and, per id, ``enabled``/``snapshotInterval``.

    Built from a fixed list of non-secret properties rather than the resource's full outputs, so storage
    keys (and the bucket layout) can never reach ``pulumi stack output``, even by a later refactoring.
    Values come from the resources' outputs, so they show what the provider actually applied.
    """
    singles = {key: r for key, r in settings.items() if not isinstance(r, _SETS)}
    sets = [r for r in settings.values() if isinstance(r, _SETS)]
    ids: list[Any] = [_output_id(resource) for resource in singles.values()]
    values: dict[str, Any] = {
        key: {"enabled": resource.enabled, "snapshotInterval": resource.snapshot_interval}
        for key, resource in singles.items()
    }
    if not sets:
        return {"settingIds": ids, "settings": values}
    # A set's `settings` output holds its members' keys (secret), which makes anything computed from it
    # secret: project the two public fields first, then drop the secrecy of what holds no key any more.
    public = pulumi.Output.unsecret(
        pulumi.Output.all(*(s.settings for s in sets)).apply(
            lambda groups: {
                key: {"enabled": m["enabled"], "snapshotInterval": m["snapshotInterval"]}
                for group in groups
                for key, m in group.items()
            }
        )
    )
    return {
        # Member keys in config order (a set's `settings` object has none), so the list is stable.
        "settingIds": [*ids, *(key for s in sets for key in s.member_keys)],
        "settings": pulumi.Output.all(values, public).apply(lambda v: {**v[0], **v[1]}),
    }


_SETS = (SnapshotSettingSet, NativeSnapshotSettingSet)


def _kind(resource: SettingResource) -> SettingKind:
    return resource.kind if isinstance(resource, NativeSnapshotSetting) else resource._PROVIDER.KIND


def _output_id(resource: SettingResource) -> pulumi.Output[str]:
    """The resource's id as applied, prefixed by its API for the current ones (as in the output keys)."""
    kind = _kind(resource)
    return resource.id if kind is LEGACY else pulumi.Output.concat(f"{kind.name}:", resource.id)


def main() -> Registered:
    """Run the program: validate all config, then register and export. Returns the resources by id."""
    fleet = read_fleet()
    settings = register_fleet(fleet)
    for name, value in fleet_outputs(settings).items():
        pulumi.export(name, value)
    return settings
