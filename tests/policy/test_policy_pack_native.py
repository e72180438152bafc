"""The pack on the native package's resources (``agora:fls:*``): judged exactly like the dynamic ones.

CrossGuard runs for every language, so a Python pack guards a TypeScript or YAML program that uses the native
package. Each native registration here is what such a program registers: the same properties, the native
type token, no ``additionalSecretOutputs`` (generated SDKs add none for nested secrets; the native provider
marks the storage keys secret in its own Check instead). The diagnostics must be the dynamic resource's,
with the native resource's URN; one-owner counts both families together.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from policy_harness import APP, GEOGRAPHY, KEYS_SECRET, ONE_OWNER, Analyzer, Diag, Registration, run_program
from test_policy_pack_kinds import custom, legacy, standard, storage

from agora_pulumi import CurrentVendor
from agora_pulumi.kinds import BY_TYPE_TOKEN


def as_native(reg: Registration, name: str = "") -> Registration:
    """The same setting registered by a program of another language through the native package."""
    kind = BY_TYPE_TOKEN[reg.type]
    name = name or f"{reg.name}-native"
    return dataclasses.replace(
        reg,
        type=kind.native_type_token,
        name=name,
        urn=f"urn:pulumi:dev::agora::{kind.native_type_token}::{name}",
        properties={k: v for k, v in reg.properties.items() if not k.startswith("__")},
        additional_secret_outputs=[],
    )


def same_findings(diags: list[Diag]) -> list[tuple[str, str, str]]:
    return sorted((d.policy, d.level, d.message) for d in diags)


def test_a_compliant_native_setting_has_no_diagnostic_without_additional_secret_outputs(pack: Analyzer) -> None:
    regs = run_program(lambda: (custom("c"), standard("s"), legacy("l")))
    for reg in regs.values():
        native = as_native(reg)
        assert pack.analyze(native) == [], native.type
    assert pack.analyze_stack([as_native(r) for r in regs.values()]) == []


def test_a_native_setting_gets_the_dynamic_ones_findings(pack: Analyzer) -> None:
    def program() -> None:
        custom("far", storage_config=storage(CurrentVendor.AMAZON_S3, 0))  # us-east-1 storage for push region cn
        custom("huawei-hk-for-eu", region="eu", storage_config=storage(CurrentVendor.HUAWEI_CLOUD, 6))

    regs = run_program(program)
    for reg in regs.values():
        dynamic = pack.analyze(reg) + pack.analyze_stack([reg])
        native = pack.analyze(as_native(reg)) + pack.analyze_stack([as_native(reg)])
        assert dynamic and same_findings(native) == same_findings(dynamic)
        assert {d.policy for d in native} == {GEOGRAPHY}
        assert all(d.urn.startswith("urn:pulumi:dev::agora::agora:fls:CustomSnapshotSetting::") or not d.urn
                   for d in native)


def test_a_misplaced_key_like_field_on_a_native_setting_is_still_flagged(pack: Analyzer) -> None:
    reg = as_native(run_program(lambda: custom("c"))["c"])
    reg.properties["storageConfig"]["accessKeySecret"] = "AK-in-the-wrong-place"
    assert [d.policy for d in pack.analyze(reg)] == [KEYS_SECRET]


def test_one_owner_counts_dynamic_and_native_resources_together(pack: Analyzer) -> None:
    regs = run_program(lambda: custom("dynamic"))
    native = as_native(regs["dynamic"], "from-typescript")
    found = pack.analyze_stack([regs["dynamic"], native])
    assert [d.policy for d in found] == [ONE_OWNER, ONE_OWNER]
    assert {d.urn.rsplit("::", 1)[1] for d in found} == {"dynamic", "from-typescript"}
    assert any("from-typescript" in d.message for d in found)


def test_a_native_set_listing_its_members_is_judged_member_by_member(pack: Analyzer) -> None:
    member: dict[str, Any] = {
        "api": "custom", "appId": APP, "entryPoint": "live", "region": "cn", "enabled": True,
        "snapshotInterval": 30.0, "enableModeration": True,
        "storageConfig": {"vendor": 1.0, "region": 0.0, "bucket": "b", "accessKey": "AKIA1234567890ABCDEF",
                          "secretKey": "q7Yd2Vt9XbL4mN8sK1rP6wE3zA5uC0xx"},
    }
    reg = Registration(
        type="agora:fls:SnapshotSettingSet", name="fleet", urn="urn:pulumi:dev::agora::agora:fls:SnapshotSettingSet::fleet",
        parent="", properties={"settings": [member]}, additional_secret_outputs=[],
    )
    found = pack.analyze(reg) + pack.analyze_stack([reg])
    assert [d.policy for d in found] == [GEOGRAPHY]
    assert 'settings["0"]' in found[0].message
