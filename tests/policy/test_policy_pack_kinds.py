"""The pack on the current API's resources: ``CustomSnapshotSetting`` and ``StandardSnapshotSetting``.

As in ``test_policy_pack``, every resource is real (registered under Pulumi mocks), the real analyzer serves
the pack, and the tests assert the diagnostics a user would see. What is specific to the new types: each
policy applies to the types it concerns (storage policies to the two kinds with storage, the rest to all
three), a custom setting's vendors and regions come from the current tables (vendors 0-8), and one owner is
per (kind, appId, entryPoint, region), since the seed, standard and custom paths are separate settings.
"""

from __future__ import annotations

import copy
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
    PLACEHOLDER,
    SK,
    VENDORS,
    Analyzer,
    Diag,
    run_program,
)

from agora_pulumi import (
    CurrentVendor,
    CustomSnapshotSetting,
    SnapshotSetting,
    StandardSnapshotSetting,
    StorageConfigArgs,
    Vendor,
)
from agora_pulumi.kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from agora_pulumi.policy import policies


def urn(kind: SettingKind, name: str) -> str:
    return f"urn:pulumi:dev::agora::{kind.type_token}::{name}"


def expect(pack: Analyzer, policy: str, level: str, finding: str, resource: str = "",
           kind: SettingKind = CUSTOM) -> Diag:
    """The diagnostic pulumi_policy builds: description, newline, the policy's message."""
    return Diag(policy, level, f"{pack.description(policy)}\n{finding}", urn(kind, resource) if resource else "")


def custom(name: str, **overrides: Any) -> CustomSnapshotSetting:
    """A compliant custom setting (Huawei CN_North_4 storage for push region cn) with ``overrides`` applied."""
    args: dict[str, Any] = {
        "app_id": APP,
        "entry_point": "live",
        "region": "cn",
        "enabled": True,
        "snapshot_interval": 30,
        "enable_moderation": True,
        "storage_config": StorageConfigArgs(
            vendor=CurrentVendor.HUAWEI_CLOUD, region=1, bucket="snapshots-cn", access_key=AK, secret_key=SK
        ),
    }
    args.update(overrides)
    return CustomSnapshotSetting(name, **args)


def standard(name: str, **overrides: Any) -> StandardSnapshotSetting:
    args: dict[str, Any] = {
        "app_id": APP,
        "entry_point": "live",
        "region": "cn",
        "enabled": True,
        "snapshot_interval": 30,
        "enable_moderation": True,
    }
    args.update(overrides)
    return StandardSnapshotSetting(name, **args)


def legacy(name: str, **overrides: Any) -> SnapshotSetting:
    args: dict[str, Any] = {
        "app_id": APP,
        "entry_point": "live",
        "region": "cn",
        "enabled": True,
        "snapshot_interval": 30,
        "enable_moderation": True,
        "storage_config": StorageConfigArgs(
            vendor=Vendor.ALIYUN, region=3, bucket="snapshots-cn", access_key=AK, secret_key=SK
        ),
    }
    args.update(overrides)
    return SnapshotSetting(name, **args)


def storage(vendor: int, region: int) -> StorageConfigArgs:
    return StorageConfigArgs(vendor=vendor, region=region, bucket="snapshots", access_key=AK, secret_key=SK)


def strip_secret_outputs(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
    opts = copy.copy(args.opts)
    opts.additional_secret_outputs = []
    return pulumi.ResourceTransformationResult(args.props, opts)


# ------------------------------------------------------------------------------------------------------


def test_coverage_names_every_policy_and_the_kinds_it_checks() -> None:
    assert list(policies.COVERAGE) == [p.name for p in policies.ALL_POLICIES]
    covered = {name: [kind.resource for kind in kinds] for name, kinds in policies.COVERAGE.items()}
    with_storage = ["SnapshotSetting", "CustomSnapshotSetting"]
    every = ["SnapshotSetting", "StandardSnapshotSetting", "CustomSnapshotSetting"]
    assert covered == {
        KEYS_SECRET: with_storage,
        PLACEHOLDER: every,
        CREDENTIALS: every,
        ONE_OWNER: every,
        GEOGRAPHY: with_storage,
        MODERATION: every,
        VENDORS: with_storage,
        INTERVAL: every,
    }
    assert set(policies.SETTING_TYPES) == {k.type_token for k in (LEGACY, STANDARD, CUSTOM)}


def test_compliant_current_settings_have_no_diagnostics(pack: Analyzer) -> None:
    def program() -> None:
        custom("huawei-cn")
        custom("google-eu", region="eu", storage_config=storage(CurrentVendor.GOOGLE_CLOUD, 3))  # region ignored
        custom("s3-hongkong", region="ap", storage_config=storage(CurrentVendor.AMAZON_S3, 19))  # AP_EAST_1
        custom("baidu-singapore", region="ap", entry_point="backup", storage_config=storage(CurrentVendor.BAIDU_CLOUD, 5))
        custom("no-storage", entry_point="bare", storage_config=None)
        standard("standard-cn")
        standard("standard-off", entry_point="off", enabled=False)

    regs = run_program(program)
    assert regs["huawei-cn"].type == CUSTOM.type_token
    assert regs["huawei-cn"].additional_secret_outputs == ["storageConfig"]
    assert regs["standard-cn"].type == STANDARD.type_token
    assert "storageConfig" not in regs["standard-cn"].properties
    for reg in regs.values():
        assert pack.analyze(reg) == [], reg.name
    assert pack.analyze_stack(list(regs.values())) == []


def test_custom_keys_must_be_secret(pack: Analyzer) -> None:
    def program() -> None:
        custom("stripped", opts=pulumi.ResourceOptions(transformations=[strip_secret_outputs]))
        custom("extra-key", storage_config={"vendor": 7, "region": 1, "bucket": "b", "access_key": AK,
                                            "secret_key": SK, "sk": SK})

    regs = run_program(program)
    assert regs["stripped"].additional_secret_outputs == []
    assert pack.analyze(regs["stripped"]) == [
        expect(
            pack,
            KEYS_SECRET,
            "mandatory",
            "storageConfig is not in the resource's additionalSecretOutputs, the only sign of secrecy a policy "
            "can check, so the storage keys may be stored in plaintext in the stack's state. Create the setting "
            "with agora_pulumi.CustomSnapshotSetting, which always adds it and wraps the keys in Output.secret, "
            "and make sure no transformation rebuilds its options without it.",
        )
    ]
    assert pack.analyze(regs["extra-key"]) == [
        expect(
            pack,
            KEYS_SECRET,
            "mandatory",
            "storageConfig.sk looks like a storage credential, but CustomSnapshotSetting only makes "
            "storageConfig.accessKey and storageConfig.secretKey secret, so this value may be stored in "
            "plaintext in the stack's state. Pass the key as storage_config access_key/secret_key.",
        )
    ]


def test_custom_placeholder_keys_and_standard_placeholder_app_id(pack: Analyzer) -> None:
    def program() -> None:
        custom("doc-sample", storage_config=StorageConfigArgs(
            vendor=CurrentVendor.BAIDU_CLOUD, region=0, bucket="snapshots", access_key="{your access key}",
            secret_key="test secret key"))
        standard("doc-app", app_id="{your_appid}")

    regs = run_program(program)
    sample = ("storageConfig.{} is a sample value from Agora's API doc (like '{{your access key}}' or 'test acces "
              "key'), not a real key; read the key from secret config (pulumi config set --secret).")
    assert pack.analyze(regs["doc-sample"]) == sorted(
        [
            expect(pack, PLACEHOLDER, "mandatory", sample.format("accessKey")),
            expect(pack, PLACEHOLDER, "mandatory", sample.format("secretKey")),
        ]
    )
    assert pack.analyze(regs["doc-app"]) == [
        expect(pack, PLACEHOLDER, "mandatory", "appId '{your_appid}' is the API doc's placeholder; use the "
               "project's App ID.")
    ]


def test_agora_credentials_in_standard_and_custom_inputs(pack: Analyzer) -> None:
    def add_password(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
        return pulumi.ResourceTransformationResult({**args.props, "customerSecret": "s3cr3t"}, args.opts)

    def program() -> None:
        standard("standard-secret", opts=pulumi.ResourceOptions(transformations=[add_password]))
        custom("custom-secret", opts=pulumi.ResourceOptions(transformations=[add_password]))

    regs = run_program(program)
    finding = ("customerSecret looks like an Agora credential; remove it. The provider reads the customer ID and "
               "secret from provider config: pulumi config set agora:customerId ... and pulumi config set "
               "--secret agora:customerSecret ...")
    assert pack.analyze(regs["standard-secret"]) == [expect(pack, CREDENTIALS, "mandatory", finding)]
    assert pack.analyze(regs["custom-secret"]) == [expect(pack, CREDENTIALS, "mandatory", finding)]


def test_custom_storage_geography_uses_the_current_tables(pack: Analyzer) -> None:
    def program() -> None:
        custom("huawei-hk-for-eu", region="eu", storage_config=storage(CurrentVendor.HUAWEI_CLOUD, 6))
        custom("huawei-mexico-for-ap", region="AP", storage_config=storage(CurrentVendor.HUAWEI_CLOUD, 12))
        custom("huawei-johannesburg", region="eu", storage_config=storage(CurrentVendor.HUAWEI_CLOUD, 9))
        custom("baidu-hk-for-cn", storage_config=storage(CurrentVendor.BAIDU_CLOUD, 4))
        custom("s3-milan-for-na", region="na", storage_config=storage(CurrentVendor.AMAZON_S3, 25))
        # The seed's tables do not have Huawei or S3 19: the provider's check names those, not this policy.
        legacy("seed-huawei", region="eu", storage_config=storage(7, 6))
        legacy("seed-s3-19", region="na", storage_config=storage(Vendor.AMAZON_S3, 19))

    regs = run_program(program)
    huawei_ap = "Huawei Cloud OBS regions in ap: 6 (AP_Southeast_1), 7 (AP_Southeast_2), 8 (AP_Southeast_3)."
    assert pack.analyze(regs["huawei-hk-for-eu"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 6 (AP_Southeast_1) of Huawei Cloud OBS is in ap "
               "(Asia Pacific), but the push region is eu (Europe); every snapshot upload would cross regions. "
               "Huawei Cloud OBS has no region in eu; use another vendor.")
    ]
    assert pack.analyze(regs["huawei-mexico-for-ap"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 12 (NA_Mexico_1) of Huawei Cloud OBS is in na "
               f"(North America), but the push region is ap (Asia Pacific); every snapshot upload would cross "
               f"regions. {huawei_ap}")
    ]
    assert pack.analyze(regs["huawei-johannesburg"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 9 (AF_South_1) of Huawei Cloud OBS lies outside "
               "all four push regions (cn, ap, na, eu), so it is never in the same region as push region eu "
               "(Europe). Huawei Cloud OBS has no region in eu; use another vendor.")
    ]
    assert pack.analyze(regs["baidu-hk-for-cn"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 4 (Hongkong) of Baidu AI Cloud BOS is in ap "
               "(Asia Pacific), but the push region is cn (mainland China); every snapshot upload would cross "
               "regions. Baidu AI Cloud BOS regions in cn: 0 (Beijing), 1 (Baoding), 2 (Suzhou), 3 (Guangzhou), "
               "6 (Wuhan), 7 (Shanghai).")
    ]
    assert pack.analyze(regs["s3-milan-for-na"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 25 (EU_SOUTH_1) of Amazon S3 is in eu (Europe), "
               "but the push region is na (North America); every snapshot upload would cross regions. Amazon S3 "
               "regions in na: 0 (US_EAST_1), 1 (US_EAST_2), 2 (US_WEST_1), 3 (US_WEST_2), 13 (CA_CENTRAL_1).")
    ]
    assert pack.analyze(regs["seed-huawei"]) == []
    assert pack.analyze(regs["seed-s3-19"]) == []


def test_one_owner_is_per_kind(pack: Analyzer) -> None:
    def program() -> None:
        legacy("seed")
        standard("standard")
        custom("custom")
        custom("custom-again", region="CN", storage_config=storage(CurrentVendor.BAIDU_CLOUD, 0))
        standard("standard-other-entry", entry_point="backup")
        standard("standard-other-entry-again", entry_point="backup")

    regs = run_program(program)
    finding = ("{} manages the same {} as {}: appId '" + APP + "', entryPoint '{}', region 'cn'. They overwrite "
               "each other on every update, and deleting either disables snapshot capturing for both. Keep one "
               "resource; to rename it, use opts=ResourceOptions(aliases=[...]) instead of declaring a second.")
    custom_label, standard_label = "custom snapshot setting", "standard snapshot setting"
    assert pack.analyze_stack(list(regs.values())) == sorted(
        [
            expect(pack, ONE_OWNER, "mandatory", finding.format("custom", custom_label, "custom-again", "live"),
                   "custom"),
            expect(pack, ONE_OWNER, "mandatory", finding.format("custom-again", custom_label, "custom", "live"),
                   "custom-again"),
            expect(pack, ONE_OWNER, "mandatory", finding.format("standard-other-entry", standard_label,
                                                                "standard-other-entry-again", "backup"),
                   "standard-other-entry", STANDARD),
            expect(pack, ONE_OWNER, "mandatory", finding.format("standard-other-entry-again", standard_label,
                                                                "standard-other-entry", "backup"),
                   "standard-other-entry-again", STANDARD),
        ]
    )
    # One of each kind for one identity: three separate settings at Agora, no conflict.
    assert pack.analyze_stack([regs["seed"], regs["standard"], regs["custom"]]) == []


def test_organisation_rules_on_standard_and_custom(analyzer: Analyzer) -> None:
    analyzer.configure(
        {
            MODERATION: "mandatory",
            VENDORS: {"enforcementLevel": "mandatory", "allowedVendors": [1, 2, 6, 8]},
            INTERVAL: {"enforcementLevel": "advisory", "minInterval": 30, "maxInterval": 120},
        }
    )

    def program() -> None:
        standard("standard-unmoderated", enable_moderation=False, snapshot_interval=5)
        standard("standard-default-moderation", entry_point="default", enable_moderation=None)
        custom("custom-huawei")  # vendor 7: not allowed
        custom("custom-google", region="eu", storage_config=storage(CurrentVendor.GOOGLE_CLOUD, 0))
        legacy("seed-kingsoft", storage_config=storage(Vendor.KINGSOFT, 0))

    regs = run_program(program)
    pack = analyzer
    assert pack.analyze(regs["standard-unmoderated"]) == sorted(
        [
            expect(pack, MODERATION, "mandatory", "Snapshot capturing is enabled but enableModeration is False; "
                   "this organisation requires content moderation on every captured stream. Set "
                   "enable_moderation=True."),
            expect(pack, INTERVAL, "advisory", "snapshotInterval is 5s; this organisation allows 30s to 120s."),
        ]
    )
    assert pack.analyze(regs["standard-default-moderation"]) == [
        expect(pack, MODERATION, "mandatory", "Snapshot capturing is enabled but enableModeration is not set "
               "(Agora defaults to false); this organisation requires content moderation on every captured "
               "stream. Set enable_moderation=True."),
    ]
    # A custom setting's message names the allowed vendors from the current tables, 6 and 8 included...
    assert pack.analyze(regs["custom-huawei"]) == [
        expect(pack, VENDORS, "mandatory", "storageConfig.vendor 7 (Huawei Cloud OBS) is not allowed by this "
               "organisation; allowed vendors: 1 (Amazon S3), 2 (Aliyun OSS), 6 (Google Cloud Storage), "
               "8 (Baidu AI Cloud BOS).")
    ]
    assert pack.analyze(regs["custom-google"]) == []
    # ...a seed setting's only those the seed path offers.
    assert pack.analyze(regs["seed-kingsoft"]) == [
        expect(pack, VENDORS, "mandatory", "storageConfig.vendor 4 (Kingsoft Cloud KS3) is not allowed by this "
               "organisation; allowed vendors: 1 (Amazon S3), 2 (Aliyun OSS).", kind=LEGACY)
    ]


def test_readme_policy_table_lists_the_types_each_policy_covers() -> None:
    """The policy doc's table is what users read to know which resources a policy judges; keep it true."""
    readme = (Path(__file__).resolve().parents[2] / "docs" / "policy.md").read_text(encoding="utf-8")
    letters = {"L": "SnapshotSetting", "S": "StandardSnapshotSetting", "C": "CustomSnapshotSetting"}
    table: dict[str, list[str]] = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`agora-"):
            table[cells[0].strip("`")] = [letters[letter.strip()] for letter in cells[2].split(",")]
    assert table == {name: [kind.resource for kind in kinds] for name, kinds in policies.COVERAGE.items()}
