"""The pack on ``SnapshotSettingSet``: every member is judged like the single resource of its ``api``.

As in ``test_policy_pack_kinds``, every resource is real (registered under Pulumi mocks), the real analyzer
serves the pack, and the tests assert the diagnostics a user would see. What is specific to sets: a resource
policy reports each member's findings prefixed with the member (``settings["<key>"]: ...``), one-owner keys
members and single resources alike, and the keys-secret policy has no option to check on a set (a set keeps
each member's keys secret through nested ``Output.secret``, which no policy can see, pulumi-policy#241).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from policy_harness import (
    AK,
    APP,
    CREDENTIALS,
    GEOGRAPHY,
    INTERVAL,
    KEYS_SECRET,
    MODERATION,
    ONE_OWNER,
    PACK_NAME,
    PLACEHOLDER,
    SK,
    UNKNOWN,
    VENDORS,
    Analyzer,
    Diag,
    run_program,
)

from agora_pulumi import (
    CurrentVendor,
    CustomSnapshotSetting,
    SettingSetMember,
    SnapshotSetting,
    SnapshotSettingSet,
    StorageConfigArgs,
    Vendor,
)
from agora_pulumi.policy import policies

OTHER_APP = "0123456789abcdef0123456789abcdef"


SET_TYPE = "pulumi-python:dynamic/agora:SnapshotSettingSet"


def urn(name: str, type_: str = SET_TYPE) -> str:
    return f"urn:pulumi:dev::agora::{type_}::{name}"


def expect(pack: Analyzer, policy: str, level: str, finding: str, resource: str = "", type_: str = SET_TYPE) -> Diag:
    """The diagnostic pulumi_policy builds: description, newline, the policy's message."""
    return Diag(policy, level, f"{pack.description(policy)}\n{finding}", urn(resource, type_) if resource else "")


def cant_run(policy: str, what: str) -> Diag:
    return Diag(
        policy, "advisory", f"can't run policy '{policy}' from policy pack '{PACK_NAME}@v0.0.1' during preview: {what}",
        "",
    )


def key(api: str, region: str, entry_point: str = "live", app: str = APP) -> str:
    """A member's key in the set, as ``SettingSetMember.key`` builds it."""
    identity = f"{app}/{entry_point}/{region}"
    return identity if api == "legacy" else f"{api}:{identity}"


def member(api: str = "custom", **overrides: Any) -> SettingSetMember:
    """A compliant member: custom with Huawei CN_North_4, legacy with Aliyun Beijing, standard without storage
    (push region cn), with ``overrides`` applied."""
    storage: dict[str, Any] = {
        "custom": StorageConfigArgs(vendor=CurrentVendor.HUAWEI_CLOUD, region=1, bucket="snapshots-cn",
                                    access_key=AK, secret_key=SK),
        "legacy": StorageConfigArgs(vendor=Vendor.ALIYUN, region=3, bucket="snapshots-cn", access_key=AK,
                                    secret_key=SK),
    }
    args: dict[str, Any] = {
        "app_id": APP,
        "entry_point": "live",
        "region": "cn",
        "enabled": True,
        "snapshot_interval": 30,
        "enable_moderation": True,
        "storage_config": storage.get(api),
        "api": api,
    }
    args.update(overrides)
    return SettingSetMember(**args)


def storage(vendor: int, region: int, **fields: Any) -> StorageConfigArgs:
    return StorageConfigArgs(vendor=vendor, region=region, bucket="snapshots", access_key=AK, secret_key=SK, **fields)


def test_a_clean_set_has_no_diagnostics(pack: Analyzer) -> None:
    def program() -> None:
        SnapshotSettingSet("fleet", [
            member("custom"),
            member("legacy"),
            member("standard"),
            member("custom", region="eu", storage_config=storage(CurrentVendor.GOOGLE_CLOUD, 3)),
            member("custom", region="AP", storage_config=storage(CurrentVendor.AMAZON_S3, 19)),
            member("standard", entry_point="off", enabled=False, enable_moderation=False),
        ])

    regs = run_program(program)
    fleet = regs["fleet"]
    assert fleet.type == SET_TYPE == policies.SNAPSHOT_SETTING_SET_TYPE
    assert fleet.additional_secret_outputs == []  # no option signal on a set: only member-level checks apply
    assert sorted(fleet.properties["settings"]) == sorted(
        [key("custom", "cn"), key("legacy", "cn"), key("standard", "cn"), key("custom", "eu"), key("custom", "ap"),
         key("standard", "cn", "off")]
    )
    assert pack.analyze(fleet) == []
    assert pack.analyze_stack([fleet]) == []


def test_sample_key_in_one_member_names_the_member(pack: Analyzer) -> None:
    def program() -> None:
        SnapshotSettingSet("fleet", [
            member("custom"),
            member("custom", region="ap", storage_config=StorageConfigArgs(
                vendor=CurrentVendor.HUAWEI_CLOUD, region=6, bucket="snapshots", access_key="{your access key}",
                secret_key=SK)),
            member("standard", app_id="{your_appid}"),
        ])

    regs = run_program(program)
    assert pack.analyze(regs["fleet"]) == sorted([
        expect(pack, PLACEHOLDER, "mandatory", f'settings["{key("custom", "ap")}"]: storageConfig.accessKey is a '
               "sample value from Agora's API doc (like '{your access key}' or 'test acces key'), not a real key; "
               "read the key from secret config (pulumi config set --secret)."),
        expect(pack, PLACEHOLDER, "mandatory", 'settings["standard:{your_appid}/live/cn"]: appId '
               "'{your_appid}' is the API doc's placeholder; use the project's App ID."),
    ])


def test_identical_keys_and_key_in_bucket_per_member(pack: Analyzer) -> None:
    def program() -> None:
        SnapshotSettingSet("fleet", [
            member("legacy", storage_config=StorageConfigArgs(vendor=Vendor.ALIYUN, region=3, bucket=f"b-{AK}",
                                                              access_key=AK, secret_key=AK)),
        ])

    where = f'settings["{key("legacy", "cn")}"]'
    assert pack.analyze(run_program(program)["fleet"]) == sorted([
        expect(pack, PLACEHOLDER, "mandatory", f"{where}: storageConfig.accessKey and storageConfig.secretKey are "
               "identical; a real key pair never is, so one of them was pasted into both."),
        expect(pack, PLACEHOLDER, "mandatory", f"{where}: storageConfig.bucket contains storageConfig.accessKey; "
               "the bucket name is not secret, so the key is stored and displayed in plaintext. Rotate the key."),
        expect(pack, PLACEHOLDER, "mandatory", f"{where}: storageConfig.bucket contains storageConfig.secretKey; "
               "the bucket name is not secret, so the key is stored and displayed in plaintext. Rotate the key."),
    ])


def add_to_member(member_key: str, field: str, value: Any) -> Any:
    """A transformation that adds ``field`` to one member of a set's inputs (as a hand-edited program could)."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
        settings = dict(args.props["settings"])
        settings[member_key] = {**settings[member_key], field: value}
        return pulumi.ResourceTransformationResult({**args.props, "settings": settings}, args.opts)

    return transform


def test_agora_credentials_in_a_member(pack: Analyzer) -> None:
    target = key("standard", "cn")

    def program() -> None:
        SnapshotSettingSet("fleet", [member("custom"), member("standard")],
                           opts=pulumi.ResourceOptions(transformations=[add_to_member(target, "customerSecret", "s")]))

    assert pack.analyze(run_program(program)["fleet"]) == [
        expect(pack, CREDENTIALS, "mandatory", f'settings["{target}"]: customerSecret looks like an Agora '
               "credential; remove it. The provider reads the customer ID and secret from provider config: "
               "pulumi config set agora:customerId ... and pulumi config set --secret agora:customerSecret ...")
    ]


def test_key_like_field_outside_the_secret_keys_in_a_member(pack: Analyzer) -> None:
    def program() -> None:
        SnapshotSettingSet("fleet", [
            member("custom", storage_config={"vendor": 7, "region": 1, "bucket": "b", "access_key": AK,
                                             "secret_key": SK, "sk": SK}),
            member("legacy"),
        ])

    assert pack.analyze(run_program(program)["fleet"]) == [
        expect(pack, KEYS_SECRET, "mandatory", f'settings["{key("custom", "cn")}"]: storageConfig.sk looks like a '
               "storage credential, but SnapshotSettingSet only makes storageConfig.accessKey and "
               "storageConfig.secretKey secret, so this value may be stored in plaintext in the stack's state. "
               "Pass the key as storage_config access_key/secret_key.")
    ]


ONE_OWNER_WITH_A_SET = (
    "{} manages the same {} as {}: appId '" + APP + "', entryPoint 'live', region 'cn'. They overwrite each other "
    "on every update, and removing either (deleting the resource or dropping the member from its "
    "SnapshotSettingSet) disables snapshot capturing for both. Keep the setting in one place: a single resource "
    "or one member of one SnapshotSettingSet."
)


def test_a_member_and_a_single_resource_for_one_setting(pack: Analyzer) -> None:
    def program() -> None:
        SnapshotSettingSet("fleet", [member("custom"), member("legacy", region="eu",
                                                              storage_config=storage(Vendor.AMAZON_S3, 7))])
        CustomSnapshotSetting("live-cn", app_id=APP, entry_point="live", region="CN", enabled=True,
                              snapshot_interval=30, enable_moderation=True,
                              storage_config=storage(CurrentVendor.HUAWEI_CLOUD, 1))

    regs = run_program(program)
    fleet_member = f'fleet.settings["{key("custom", "cn")}"]'
    custom_type = "pulumi-python:dynamic/agora:CustomSnapshotSetting"
    label = "custom snapshot setting"
    assert pack.analyze_stack(list(regs.values())) == sorted([
        expect(pack, ONE_OWNER, "mandatory", ONE_OWNER_WITH_A_SET.format(fleet_member, label, "live-cn"), "fleet"),
        expect(pack, ONE_OWNER, "mandatory", ONE_OWNER_WITH_A_SET.format("live-cn", label, fleet_member), "live-cn",
               custom_type),
    ])
    for reg in regs.values():
        assert pack.analyze(reg) == []  # one-owner is a stack policy only


def test_two_sets_sharing_a_setting(pack: Analyzer) -> None:
    def program() -> None:
        SnapshotSettingSet("fleet-a", [member("legacy"), member("standard", entry_point="a")])
        SnapshotSettingSet("fleet-b", [member("legacy", region="CN"), member("standard", entry_point="b")])

    regs = run_program(program)
    a, b = (f'fleet-{x}.settings["{key("legacy", "cn")}"]' for x in "ab")
    assert pack.analyze_stack(list(regs.values())) == sorted([
        expect(pack, ONE_OWNER, "mandatory", ONE_OWNER_WITH_A_SET.format(a, "snapshot setting", b), "fleet-a"),
        expect(pack, ONE_OWNER, "mandatory", ONE_OWNER_WITH_A_SET.format(b, "snapshot setting", a), "fleet-b"),
    ])


def test_one_identity_on_separate_paths_is_no_conflict(pack: Analyzer) -> None:
    """A legacy, a standard and a custom member for one appId/entryPoint/region are three settings at Agora,
    in one set or beside single resources of the other kinds."""

    def program() -> None:
        SnapshotSettingSet("fleet", [member("legacy"), member("custom")])
        SnapshotSettingSet("other", [member("standard")])
        SnapshotSetting("seed-eu", app_id=APP, entry_point="live", region="eu", enabled=True, snapshot_interval=30,
                        enable_moderation=True, storage_config=storage(Vendor.AMAZON_S3, 7))
        CustomSnapshotSetting("custom-eu", app_id=APP, entry_point="live", region="eu", enabled=True,
                              snapshot_interval=30, enable_moderation=True,
                              storage_config=storage(CurrentVendor.AMAZON_S3, 7))

    assert pack.analyze_stack(list(run_program(program).values())) == []


def test_storage_geography_per_member(pack: Analyzer) -> None:
    def program() -> None:
        SnapshotSettingSet("fleet", [
            member("custom"),
            member("custom", region="eu", storage_config=storage(CurrentVendor.HUAWEI_CLOUD, 6)),
            member("legacy", region="na", storage_config=storage(Vendor.ALIYUN, 3)),
        ])

    assert pack.analyze(run_program(program)["fleet"]) == sorted([
        expect(pack, GEOGRAPHY, "advisory", f'settings["{key("custom", "eu")}"]: storageConfig.region 6 '
               "(AP_Southeast_1) of Huawei Cloud OBS is in ap (Asia Pacific), but the push region is eu (Europe); "
               "every snapshot upload would cross regions. Huawei Cloud OBS has no region in eu; use another "
               "vendor."),
        expect(pack, GEOGRAPHY, "advisory", f'settings["{key("legacy", "na")}"]: storageConfig.region 3 '
               "(CN_Beijing) of Aliyun OSS is in cn (mainland China), but the push region is na (North America); "
               "every snapshot upload would cross regions. Aliyun OSS regions in na: 8 (US_West_1), 9 (US_East_1)."),
    ])


def test_organisation_rules_per_enabled_member(analyzer: Analyzer) -> None:
    analyzer.configure(
        {
            MODERATION: "mandatory",
            VENDORS: {"enforcementLevel": "mandatory", "allowedVendors": [1, 2, 7]},
            INTERVAL: {"enforcementLevel": "advisory", "minInterval": 30, "maxInterval": 120},
        }
    )

    def program() -> None:
        SnapshotSettingSet("fleet", [
            member("custom"),  # compliant
            member("standard", enable_moderation=False, snapshot_interval=5),
            member("legacy", entry_point="default", enable_moderation=None, snapshot_interval=None),
            member("custom", entry_point="baidu", storage_config=storage(CurrentVendor.BAIDU_CLOUD, 0)),
            # Disabled: neither moderation nor the interval is required.
            member("standard", entry_point="off", enabled=False, enable_moderation=False, snapshot_interval=5),
        ])

    pack = analyzer
    standard, default = f'settings["{key("standard", "cn")}"]', f'settings["{key("legacy", "cn", "default")}"]'
    assert pack.analyze(run_program(program)["fleet"]) == sorted([
        expect(pack, MODERATION, "mandatory", f"{standard}: Snapshot capturing is enabled but enableModeration is "
               "False; this organisation requires content moderation on every captured stream. Set "
               "enable_moderation=True."),
        expect(pack, INTERVAL, "advisory", f"{standard}: snapshotInterval is 5s; this organisation allows 30s to "
               "120s."),
        expect(pack, MODERATION, "mandatory", f"{default}: Snapshot capturing is enabled but enableModeration is "
               "not set (Agora defaults to false); this organisation requires content moderation on every "
               "captured stream. Set enable_moderation=True."),
        expect(pack, INTERVAL, "advisory", f"{default}: snapshotInterval is not set, so Agora uses 10s; this "
               "organisation allows 30s to 120s."),
        expect(pack, VENDORS, "mandatory", f'settings["{key("custom", "cn", "baidu")}"]: storageConfig.vendor 8 '
               "(Baidu AI Cloud BOS) is not allowed by this organisation; allowed vendors: 1 (Amazon S3), "
               "2 (Aliyun OSS), 7 (Huawei Cloud OBS)."),
    ])


def test_inconsistent_interval_config_is_reported_once_per_set(analyzer: Analyzer) -> None:
    analyzer.configure({INTERVAL: {"enforcementLevel": "advisory", "minInterval": 120, "maxInterval": 30}})
    fleet = run_program(lambda: SnapshotSettingSet("fleet", [member("custom"), member("standard")]))["fleet"]
    assert analyzer.analyze(fleet) == [
        expect(analyzer, INTERVAL, "advisory", "Policy configuration is inconsistent: minInterval 120 > maxInterval "
               "30; fix the --policy-pack-config file.")
    ]


def test_unknowns_in_a_member_during_preview(pack: Analyzer) -> None:
    """What is certain in a member is still reported; the unknown gets the SDK's advisory, as for a resource."""

    def program() -> None:
        bucket = pulumi.CustomResource("test:index:Bucket", "bucket", {"bucketName": None})
        SnapshotSettingSet("fleet", [
            member("legacy", storage_config=StorageConfigArgs(
                vendor=Vendor.ALIYUN, region=3, bucket=bucket.bucketName,  # type: ignore[attr-defined]
                access_key=AK, secret_key=AK)),
        ])

    fleet = run_program(program, preview=True)["fleet"]
    member_key = key("legacy", "cn")
    assert fleet.properties["settings"][member_key]["storageConfig"]["bucket"] == UNKNOWN
    unknown_bucket = f"string value at .settings.{member_key}.storageConfig.bucket can't be known during preview"
    assert pack.analyze(fleet) == sorted([
        expect(pack, PLACEHOLDER, "mandatory", f'settings["{member_key}"]: storageConfig.accessKey and '
               "storageConfig.secretKey are identical; a real key pair never is, so one of them was pasted into both."),
        cant_run(PLACEHOLDER, unknown_bucket),
        cant_run(CREDENTIALS, unknown_bucket),
    ])


def test_set_coverage_is_every_kind_each_policy_checks() -> None:
    """Grouping settings into a set must not take any of them out of a policy's reach."""
    assert list(policies.SET_COVERAGE) == [p.name for p in policies.ALL_POLICIES]
    assert policies.SET_COVERAGE == policies.COVERAGE


def test_readme_set_table_lists_the_members_each_policy_checks() -> None:
    readme = (Path(__file__).resolve().parents[2] / "docs" / "policy.md").read_text(encoding="utf-8")
    letters = {"L": "SnapshotSetting", "S": "StandardSnapshotSetting", "C": "CustomSnapshotSetting"}
    table: dict[str, list[str]] = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`agora-"):
            table[cells[0].strip("`")] = [letters[letter.strip()] for letter in cells[1].split(",")]
    assert table == {name: [kind.resource for kind in kinds] for name, kinds in policies.SET_COVERAGE.items()}
