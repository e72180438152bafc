"""The native ``agora`` package's resources registered from a Python program without a generated SDK.

``agora-snapshots:resources: native`` makes the fleet program register ``agora:fls:SnapshotSetting``… instead
of the dynamic resources: a plain ``pulumi.CustomResource`` with the type token is all the engine needs, and it
runs the provider plugin the project names (``packages: {agora: ./agora-provider}`` in ``Pulumi.yaml``).

Each native resource declares an alias to the dynamic type of the same name (and the dynamic resources the
fleet program registers declare one to the native type, :func:`other_type_alias`): the engine then moves a
resource from one provider to the other by a Diff alone, with no Create and no Delete, so switching
``resources`` sends nothing to Agora and can never disable a setting (``docs/migration.md``).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi

from .kinds import SettingKind
from .names import SNAPSHOT_SETTING_SET, native_type_token, type_token
from .resource import SettingSetMember, api_to_python, claim_setting, python_to_api


def other_type_alias(opts: Optional[pulumi.ResourceOptions], old_type: str) -> pulumi.ResourceOptions:
    """``opts`` plus an alias to the same name under ``old_type``: the resource as the other provider
    registered it. The engine uses it only when the stack holds that resource, so it costs nothing otherwise."""
    alias = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=old_type)])
    return pulumi.ResourceOptions.merge(opts, alias)


class NativeSnapshotSetting(pulumi.CustomResource):
    """One setting as the native package's resource of ``kind`` (``agora:fls:SnapshotSetting``…).

    ``props`` are the API's camelCase inputs with the storage keys already wrapped as secrets
    (:meth:`SettingSetMember.to_props` without ``api``); the provider marks them secret in every answer too."""

    enabled: pulumi.Output[bool]
    snapshot_interval: pulumi.Output[int]

    def __init__(
        self,
        kind: SettingKind,
        resource_name: str,
        props: Mapping[str, Any],
        key: str,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        claim_setting(key, resource_name)
        self.kind = kind
        # Python attribute names here, camelCase on the wire (the two translations below), as the dynamic ones.
        python_props = {api_to_python(key): value for key, value in props.items()}
        super().__init__(kind.native_type_token, resource_name, python_props, other_type_alias(opts, kind.type_token))

    def translate_output_property(self, prop: str) -> str:
        return api_to_python(prop)

    def translate_input_property(self, prop: str) -> str:
        return python_to_api(prop)


class NativeSnapshotSettingSet(pulumi.CustomResource):
    """Many settings as one ``agora:fls:SnapshotSettingSet``: its input ``settings`` is a list of members
    (each with its ``api``); the provider keys them by setting id, so the ``settings`` output is the same
    object the dynamic ``SnapshotSettingSet`` has."""

    settings: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        settings: Sequence[SettingSetMember],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        for member in settings:
            claim_setting(member.key, f'{resource_name}.settings["{member.key}"]')
        self.member_keys: list[str] = [member.key for member in settings]
        """The members' keys in the order given (the state's object has no order)."""
        props = {"settings": [member.to_props() for member in settings]}
        super().__init__(
            native_type_token(SNAPSHOT_SETTING_SET), resource_name, props, other_type_alias(opts, type_token(SNAPSHOT_SETTING_SET))
        )
