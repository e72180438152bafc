"""The agora-fls-snapshot pack, served by the real analyzer (``python -m pulumi.policy``) and driven over gRPC.

Every resource below is a real ``agora_pulumi.SnapshotSetting`` registered under Pulumi mocks; the tests
send what the engine would send for it (see ``policy_harness``) and assert the diagnostics that come back:
policy name, enforcement level and the exact message (the policy's description, a newline, the finding).
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from google.protobuf import json_format
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
    Registration,
    engine_properties,
    run_program,
    secret,
)
from pulumi.runtime.proto import analyzer_pb2

from agora_pulumi import TYPE_TOKEN, SnapshotSetting, StorageConfigArgs, Vendor


def urn(name: str) -> str:
    return f"urn:pulumi:dev::agora::{TYPE_TOKEN}::{name}"


def expect(pack: Analyzer, policy: str, level: str, finding: str, resource: str = "") -> Diag:
    """The diagnostic pulumi_policy builds: description, newline, the policy's message."""
    return Diag(policy, level, f"{pack.description(policy)}\n{finding}", urn(resource) if resource else "")


def cant_run(pack: Analyzer, policy: str, what: str) -> Diag:
    """pulumi_policy's own advisory for a policy that read an unknown value during preview."""
    return Diag(
        policy,
        "advisory",
        f"can't run policy '{policy}' from policy pack '{PACK_NAME}@v0.0.1' during preview: {what}",
        "",
    )


def setting(name: str, **overrides: Any) -> SnapshotSetting:
    """A compliant setting (Aliyun Beijing storage for push region cn) with ``overrides`` applied."""
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


def strip_secret_outputs(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
    """A transformation that rebuilds the options without additional_secret_outputs (the bug policy 1 catches)."""
    opts = copy.copy(args.opts)
    opts.additional_secret_outputs = []
    return pulumi.ResourceTransformationResult(args.props, opts)


# ------------------------------------------------------------------------------------------------------


def test_analyzer_describes_the_pack(analyzer: Analyzer) -> None:
    info = analyzer.info
    assert info.name == PACK_NAME
    assert info.supportsConfig
    levels = {p.name: (analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel), p.policy_type) for p in info.policies}
    resource, stack = 1, 2  # PolicyType.POLICY_TYPE_RESOURCE / POLICY_TYPE_STACK
    assert levels == {
        KEYS_SECRET: ("MANDATORY", resource),
        PLACEHOLDER: ("MANDATORY", resource),
        CREDENTIALS: ("MANDATORY", resource),
        ONE_OWNER: ("MANDATORY", stack),
        GEOGRAPHY: ("ADVISORY", resource),
        MODERATION: ("DISABLED", resource),
        VENDORS: ("DISABLED", resource),
        INTERVAL: ("DISABLED", resource),
    }
    schemas = {p.name: json_format.MessageToDict(p.configSchema.properties) for p in info.policies}
    # Every vendor of either API: the seed's 0-5 and the custom API's 6-8 (Google, Huawei, Baidu).
    assert schemas[VENDORS]["allowedVendors"]["default"] == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert schemas[VENDORS]["allowedVendors"]["items"] == {"type": "integer", "enum": [0, 1, 2, 3, 4, 5, 6, 7, 8]}
    assert {k: (v["minimum"], v["maximum"], v["default"]) for k, v in schemas[INTERVAL].items()} == {
        "minInterval": (5, 300, 5),
        "maxInterval": (5, 300, 300),
    }
    assert schemas[MODERATION] == {}


def test_harness_sends_what_the_engine_sends() -> None:
    """The request really carries the SnapshotSetting's wire form; otherwise every other test is moot."""
    regs = run_program(lambda: setting("live-cn"))
    reg = regs["live-cn"]
    assert reg.type == TYPE_TOKEN
    assert reg.additional_secret_outputs == ["storageConfig"]
    assert "__provider" in reg.properties and "__provider" not in engine_properties(reg)
    assert engine_properties(reg) == {
        "appId": APP,
        "entryPoint": "live",
        "region": "cn",
        "enabled": True,
        "snapshotInterval": 30.0,
        "enableModeration": True,
        "storageConfig": {
            "vendor": 2.0,
            "region": 3.0,
            "bucket": "snapshots-cn",
            "accessKey": secret(AK),
            "secretKey": secret(SK),
        },
    }
    # The mock's own view agrees (it pushes secretness up to storageConfig as a whole).
    assert reg.mock_args is not None
    mock_inputs = {k: v for k, v in reg.mock_args.inputs.items() if k != "__provider"}
    assert mock_inputs["storageConfig"] == secret({**engine_properties(reg)["storageConfig"], "accessKey": AK,
                                                   "secretKey": SK})


def test_compliant_stack_has_no_diagnostics(pack: Analyzer) -> None:
    def program() -> None:
        setting("live-cn")
        # Optional fields unset: the org rules are off by default, so this is compliant too.
        SnapshotSetting(
            "live-na",
            app_id=APP,
            entry_point="live",
            region="NA",
            enabled=True,
            storage_config={"vendor": 1, "region": 0, "bucket": "snapshots-na", "access_key": AK, "secret_key": SK},
        )
        setting(
            "live-eu-azure",
            region="eu",
            storage_config=StorageConfigArgs(vendor=Vendor.AZURE, bucket="snapshots", access_key=AK, secret_key=SK),
        )
        SnapshotSetting("backup-ap", app_id=APP, entry_point="backup", region="ap", enabled=False)
        # Other resource types are none of this pack's business, whatever their properties.
        pulumi.CustomResource("test:index:Database", "db", {"password": "hunter2", "bucket": "{your bucket}"})

    regs = run_program(program)
    assert len(regs) == 5
    for reg in regs.values():
        assert pack.analyze(reg) == [], reg.name
    assert pack.analyze_stack(list(regs.values())) == []


def test_keys_must_be_secret(pack: Analyzer) -> None:
    def program() -> None:
        setting("stripped", opts=pulumi.ResourceOptions(transformations=[strip_secret_outputs]))
        setting(
            "extra-key",
            storage_config={
                "vendor": 1,
                "region": 0,
                "bucket": "snapshots",
                "access_key": AK,
                "secret_key": SK,
                "secret_access_key": SK,  # not a field SnapshotSetting knows: passed through, not wrapped
            },
            region="na",
        )

    regs = run_program(program)
    assert regs["stripped"].additional_secret_outputs == []
    assert regs["extra-key"].properties["storageConfig"]["secret_access_key"] == SK
    assert pack.analyze(regs["stripped"]) == [
        expect(
            pack,
            KEYS_SECRET,
            "mandatory",
            "storageConfig is not in the resource's additionalSecretOutputs, the only sign of secrecy a policy "
            "can check, so the storage keys may be stored in plaintext in the stack's state. Create the setting "
            "with agora_pulumi.SnapshotSetting, which always adds it and wraps the keys in Output.secret, and "
            "make sure no transformation rebuilds its options without it.",
        )
    ]
    assert pack.analyze(regs["extra-key"]) == [
        expect(
            pack,
            KEYS_SECRET,
            "mandatory",
            "storageConfig.secret_access_key looks like a storage credential, but SnapshotSetting only makes "
            "storageConfig.accessKey and storageConfig.secretKey secret, so this value may be stored in "
            "plaintext in the stack's state. Pass the key as storage_config access_key/secret_key.",
        )
    ]


EMPTY = "storageConfig.{} is empty; Agora cannot write snapshots to the bucket without it."
SAMPLE = (
    "storageConfig.{} is a sample value from Agora's API doc (like '{{your access key}}' or 'test acces key'), "
    "not a real key; read the key from secret config (pulumi config set --secret)."
)


def test_placeholder_and_leaked_keys(pack: Analyzer) -> None:
    def program() -> None:
        setting(
            "doc-sample",
            app_id="{YOUR_APPID}",
            storage_config=StorageConfigArgs(
                vendor=2, region=3, bucket="{Your Bucket}", access_key="{Your Access Key}", secret_key="TEST  Acces Key"
            ),
        )
        setting(
            "empty",
            storage_config=StorageConfigArgs(vendor=2, region=3, bucket="snapshots", access_key="  "),
        )
        setting(
            "same-pair",
            storage_config=StorageConfigArgs(vendor=2, region=3, bucket="snapshots", access_key=AK, secret_key=AK),
        )
        setting(
            "key-in-bucket",
            storage_config=StorageConfigArgs(
                vendor=2, region=3, bucket=f"snapshots-{AK.lower()}", access_key=AK, secret_key=SK
            ),
        )

    regs = run_program(program)
    assert pack.analyze(regs["doc-sample"]) == sorted(
        [
            expect(pack, PLACEHOLDER, "mandatory", "appId '{YOUR_APPID}' is the API doc's placeholder; use the "
                   "project's App ID."),
            expect(pack, PLACEHOLDER, "mandatory", SAMPLE.format("accessKey")),
            expect(pack, PLACEHOLDER, "mandatory", SAMPLE.format("secretKey")),
            expect(pack, PLACEHOLDER, "mandatory", "storageConfig.bucket '{Your Bucket}' is the API doc's "
                   "placeholder; name the real bucket."),
        ]
    )
    assert pack.analyze(regs["empty"]) == sorted(
        [
            expect(pack, PLACEHOLDER, "mandatory", EMPTY.format("accessKey")),
            expect(pack, PLACEHOLDER, "mandatory", EMPTY.format("secretKey")),
        ]
    )
    assert pack.analyze(regs["same-pair"]) == [
        expect(pack, PLACEHOLDER, "mandatory", "storageConfig.accessKey and storageConfig.secretKey are "
               "identical; a real key pair never is, so one of them was pasted into both.")
    ]
    assert pack.analyze(regs["key-in-bucket"]) == [
        expect(pack, PLACEHOLDER, "mandatory", "storageConfig.bucket contains storageConfig.accessKey; the "
               "bucket name is not secret, so the key is stored and displayed in plaintext. Rotate the key.")
    ]
    # Never echo a key: none of the messages contains one.
    for reg in regs.values():
        for d in pack.analyze(reg):
            assert AK not in d.message and SK not in d.message


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_no_agora_credentials_in_inputs(pack: Analyzer) -> None:
    def add_authorization(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
        return pulumi.ResourceTransformationResult({**args.props, "Authorization": "token"}, args.opts)

    def program() -> None:
        setting(
            "nested-secret",
            storage_config={
                "vendor": 2,
                "region": 3,
                "bucket": "snapshots",
                "access_key": AK,
                "secret_key": SK,
                "agora": {"customer_secret": "s3cr3t"},
            },
        )
        setting("header", opts=pulumi.ResourceOptions(transformations=[add_authorization]))
        setting(
            "basic-value",
            entry_point="basic live",  # the word alone is not a credential
            storage_config=StorageConfigArgs(
                vendor=2, region=3, bucket=basic("0f5e7c6d:9a8b7c6d5e4f"), access_key=AK, secret_key=SK
            ),
        )

    regs = run_program(program)
    advice = ("remove it. The provider reads the customer ID and secret from provider config: pulumi config "
              "set agora:customerId ... and pulumi config set --secret agora:customerSecret ...")
    assert pack.analyze(regs["nested-secret"]) == [
        expect(pack, CREDENTIALS, "mandatory", f"storageConfig.agora.customer_secret looks like an Agora "
               f"credential; {advice}")
    ]
    assert pack.analyze(regs["header"]) == [
        expect(pack, CREDENTIALS, "mandatory", f"Authorization looks like an Agora credential; {advice}")
    ]
    assert pack.analyze(regs["basic-value"]) == [
        expect(pack, CREDENTIALS, "mandatory", "storageConfig.bucket contains an HTTP Basic credential "
               "('Basic <base64 of id:secret>'); remove it and rotate the customer secret. The provider builds "
               "the Authorization header itself from agora:customerId and agora:customerSecret.")
    ]


def test_storage_in_push_region(pack: Analyzer) -> None:
    def program() -> None:
        setting("na-in-cn", region="na")  # Aliyun 3 = CN_Beijing
        setting("cn-in-hk", storage_config=StorageConfigArgs(vendor=2, region=7, bucket="b", access_key=AK,
                                                             secret_key=SK))
        setting("eu-in-brazil", region="EU", storage_config=StorageConfigArgs(vendor=Vendor.AMAZON_S3, region=12,
                                                                             bucket="b", access_key=AK,
                                                                             secret_key=SK))
        setting("eu-on-qiniu", region="eu", storage_config=StorageConfigArgs(vendor=Vendor.QINIU, region=0,
                                                                            bucket="b", access_key=AK,
                                                                            secret_key=SK))
        setting("azure", region="na", storage_config=StorageConfigArgs(vendor=Vendor.AZURE, region=3, bucket="b",
                                                                      access_key=AK, secret_key=SK))

    regs = run_program(program)
    assert pack.analyze(regs["na-in-cn"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 3 (CN_Beijing) of Aliyun OSS is in cn "
               "(mainland China), but the push region is na (North America); every snapshot upload would cross "
               "regions. Aliyun OSS regions in na: 8 (US_West_1), 9 (US_East_1).")
    ]
    assert pack.analyze(regs["cn-in-hk"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 7 (CN_Hongkong) of Aliyun OSS is in ap (Asia "
               "Pacific), but the push region is cn (mainland China); every snapshot upload would cross regions. "
               "Aliyun OSS regions in cn: 0 (CN_Hangzhou), 1 (CN_Shanghai), 2 (CN_Qingdao), 3 (CN_Beijing), "
               "4 (CN_Zhangjiakou), 5 (CN_Huhehaote), 6 (CN_Shenzhen).")
    ]
    assert pack.analyze(regs["eu-in-brazil"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 12 (SA_EAST_1) of Amazon S3 lies outside all "
               "four push regions (cn, ap, na, eu), so it is never in the same region as push region eu "
               "(Europe). Amazon S3 regions in eu: 4 (EU_WEST_1), 5 (EU_WEST_2), 6 (EU_WEST_3), "
               "7 (EU_CENTRAL_1), 21 (EU_NORTH_1).")
    ]
    assert pack.analyze(regs["eu-on-qiniu"]) == [
        expect(pack, GEOGRAPHY, "advisory", "storageConfig.region 0 (East China) of Qiniu Cloud is in cn "
               "(mainland China), but the push region is eu (Europe); every snapshot upload would cross "
               "regions. Qiniu Cloud has no region in eu; use another vendor.")
    ]
    assert pack.analyze(regs["azure"]) == []


def test_organisation_rules_from_policy_pack_config(analyzer: Analyzer, tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(
        json.dumps(
            {
                MODERATION: "mandatory",
                VENDORS: {"enforcementLevel": "advisory", "allowedVendors": [1, 5]},
                INTERVAL: {"enforcementLevel": "mandatory", "minInterval": 30, "maxInterval": 120},
            }
        )
    )
    sent = analyzer.configure_from_file(config)
    assert sent[INTERVAL] == {"enforcementLevel": "mandatory", "minInterval": 30, "maxInterval": 120}
    assert sent[GEOGRAPHY] == {"enforcementLevel": "advisory"}

    def program() -> None:
        SnapshotSetting(
            "defaults",
            app_id=APP,
            entry_point="live",
            region="cn",
            enabled=True,
            storage_config=StorageConfigArgs(vendor=Vendor.ALIYUN, region=3, bucket="b", access_key=AK,
                                             secret_key=SK),
        )
        setting("too-slow", entry_point="slow", snapshot_interval=200, enable_moderation=False,
                region="na", storage_config=StorageConfigArgs(vendor=1, region=0, bucket="b", access_key=AK,
                                                              secret_key=SK))
        setting("fine", entry_point="fine", snapshot_interval=30.0, region="na",
                storage_config=StorageConfigArgs(vendor=1, region=0, bucket="b", access_key=AK, secret_key=SK))
        setting("disabled", entry_point="off", enabled=False, snapshot_interval=5, enable_moderation=False)

    regs = run_program(program)
    pack = analyzer
    not_allowed = ("storageConfig.vendor 2 (Aliyun OSS) is not allowed by this organisation; allowed vendors: "
                   "1 (Amazon S3), 5 (Microsoft Azure).")
    assert pack.analyze(regs["defaults"]) == sorted(
        [
            expect(pack, MODERATION, "mandatory", "Snapshot capturing is enabled but enableModeration is not set "
                   "(Agora defaults to false); this organisation requires content moderation on every captured "
                   "stream. Set enable_moderation=True."),
            expect(pack, VENDORS, "advisory", not_allowed),
            expect(pack, INTERVAL, "mandatory", "snapshotInterval is not set, so Agora uses 10s; this "
                   "organisation allows 30s to 120s."),
        ]
    )
    assert pack.analyze(regs["too-slow"]) == sorted(
        [
            expect(pack, MODERATION, "mandatory", "Snapshot capturing is enabled but enableModeration is False; "
                   "this organisation requires content moderation on every captured stream. Set "
                   "enable_moderation=True."),
            expect(pack, INTERVAL, "mandatory", "snapshotInterval is 200s; this organisation allows 30s to 120s."),
        ]
    )
    assert pack.analyze(regs["fine"]) == []
    # A disabled setting captures nothing: moderation and interval do not apply, the vendor rule still does.
    assert pack.analyze(regs["disabled"]) == [expect(pack, VENDORS, "advisory", not_allowed)]

    # Enabling a rule without properties uses the schema defaults, i.e. Agora's own range.
    analyzer.configure({INTERVAL: "mandatory"})
    assert pack.analyze(regs["defaults"]) == []

    analyzer.configure({INTERVAL: {"enforcementLevel": "advisory", "minInterval": 120, "maxInterval": 60}})
    assert pack.analyze(regs["fine"]) == [
        expect(pack, INTERVAL, "advisory", "Policy configuration is inconsistent: minInterval 120 > maxInterval "
               "60; fix the --policy-pack-config file.")
    ]

    analyzer.configure({"all": "disabled"})
    for reg in run_program(lambda: setting("doc", storage_config=StorageConfigArgs(
            vendor=2, region=3, bucket="{your bucket}", access_key="{your access key}"),
            opts=pulumi.ResourceOptions(transformations=[strip_secret_outputs]))).values():
        assert pack.analyze(reg) == []


def test_one_owner_per_setting(pack: Analyzer) -> None:
    def program() -> None:
        setting("live-cn")
        setting("live-cn-again", region="CN")
        setting("live-ap", region="ap", storage_config=StorageConfigArgs(vendor=2, region=10, bucket="b",
                                                                        access_key=AK, secret_key=SK))
        setting("other-app", app_id="0" * 32)

    regs = run_program(program)
    finding = ("{} manages the same snapshot setting as {}: appId '" + APP + "', entryPoint 'live', region 'cn'. "
               "They overwrite each other on every update, and deleting either disables snapshot capturing for "
               "both. Keep one resource; to rename it, use opts=ResourceOptions(aliases=[...]) instead of "
               "declaring a second.")
    assert pack.analyze_stack(list(regs.values())) == [
        expect(pack, ONE_OWNER, "mandatory", finding.format("live-cn", "live-cn-again"), "live-cn"),
        expect(pack, ONE_OWNER, "mandatory", finding.format("live-cn-again", "live-cn"), "live-cn-again"),
    ]
    for reg in regs.values():
        assert pack.analyze(reg) == []  # it is a stack policy only


def test_unknowns_during_preview_give_the_sdk_advisory(pack: Analyzer) -> None:
    def program() -> None:
        bucket = pulumi.CustomResource("test:index:Bucket", "bucket", {"bucketName": None})
        setting(
            "computed-bucket",
            storage_config=StorageConfigArgs(vendor=2, region=3, bucket=bucket.bucketName,  # type: ignore[attr-defined]
                                             access_key=AK, secret_key=AK),
        )
        app = pulumi.CustomResource("test:index:App", "app", {"appId": None})
        setting("computed-app", region="CN", app_id=app.appId)  # type: ignore[attr-defined]
        setting("known-a")
        setting("known-b", region="Cn")

    regs = run_program(program, preview=True)
    computed = regs["computed-bucket"]
    assert computed.properties["storageConfig"]["bucket"] == UNKNOWN
    unknown_bucket = "string value at .storageConfig.bucket can't be known during preview"
    assert pack.analyze(computed) == sorted(
        [
            # What is certain is still reported, at its own level...
            expect(pack, PLACEHOLDER, "mandatory", "storageConfig.accessKey and storageConfig.secretKey are "
                   "identical; a real key pair never is, so one of them was pasted into both."),
            # ...and each policy that needed the unknown value gets pulumi_policy's advisory.
            cant_run(pack, PLACEHOLDER, unknown_bucket),
            cant_run(pack, CREDENTIALS, unknown_bucket),
        ]
    )
    stack = [regs[n] for n in ("computed-app", "known-a", "known-b")]
    finding = ("{} manages the same snapshot setting as {}: appId '" + APP + "', entryPoint 'live', region 'cn'. "
               "They overwrite each other on every update, and deleting either disables snapshot capturing for "
               "both. Keep one resource; to rename it, use opts=ResourceOptions(aliases=[...]) instead of "
               "declaring a second.")
    assert pack.analyze_stack(stack) == sorted(
        [
            cant_run(pack, ONE_OWNER, "string value at .appId can't be known during preview"),
            expect(pack, ONE_OWNER, "mandatory", finding.format("known-a", "known-b"), "known-a"),
            expect(pack, ONE_OWNER, "mandatory", finding.format("known-b", "known-a"), "known-b"),
        ]
    )


def test_remediate_level_still_reports_mandatory(analyzer: Analyzer) -> None:
    """Why the pack has no remediation: options cannot be remediated, and Analyze runs right after."""
    analyzer.configure({KEYS_SECRET: "remediate"})
    reg: Registration = run_program(
        lambda: setting("stripped", opts=pulumi.ResourceOptions(transformations=[strip_secret_outputs]))
    )["stripped"]
    response = analyzer.remediate(reg)
    assert list(response.remediations) == []
    assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
        (KEYS_SECRET, "Policy does not implement remediate")
    ]
    assert [(d.policy, d.level) for d in analyzer.analyze(reg)] == [(KEYS_SECRET, "mandatory")]


@pytest.mark.parametrize("level", ["advisory", "disabled"])
def test_mandatory_policies_can_be_downgraded(analyzer: Analyzer, level: str) -> None:
    analyzer.configure({KEYS_SECRET: level})
    reg = run_program(
        lambda: setting("stripped", opts=pulumi.ResourceOptions(transformations=[strip_secret_outputs]))
    )["stripped"]
    assert [(d.policy, d.level) for d in analyzer.analyze(reg)] == ([] if level == "disabled" else
                                                                    [(KEYS_SECRET, level)])
