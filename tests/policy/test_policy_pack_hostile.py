"""The pack against hostile identities (issue 20, item 11): ``café`` in NFC and in NFD is one setting, so two
resources for it are two owners, exactly as the provider (which puts names in NFC) sees them."""

from __future__ import annotations

import unicodedata

from policy_harness import AK, APP, ONE_OWNER, SK, Analyzer, Diag, run_program

from agora_pulumi import SnapshotSetting, StorageConfigArgs, Vendor

TYPE = "pulumi-python:dynamic/agora:SnapshotSetting"
NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")


def setting(name: str, entry_point: str) -> SnapshotSetting:
    return SnapshotSetting(
        name, app_id=APP, entry_point=entry_point, region="cn", enabled=True, snapshot_interval=30,
        enable_moderation=True,
        storage_config=StorageConfigArgs(vendor=Vendor.ALIYUN, region=3, bucket="snapshots-cn", access_key=AK,
                                         secret_key=SK),
    )


def test_nfc_and_nfd_entry_points_are_one_owner_conflict(pack: Analyzer) -> None:
    def program() -> None:
        setting("cafe-nfc", NFC)
        setting("cafe-nfd", NFD)

    finding = (
        "{} manages the same snapshot setting as {}: appId '" + APP + f"', entryPoint '{NFC}', region 'cn'. "
        "They overwrite each other on every update, and deleting either disables snapshot capturing for both. "
        "Keep one resource; to rename it, use opts=ResourceOptions(aliases=[...]) instead of declaring a second."
    )

    def diag(name: str, other: str) -> Diag:
        message = f"{pack.description(ONE_OWNER)}\n{finding.format(name, other)}"
        return Diag(ONE_OWNER, "mandatory", message, f"urn:pulumi:dev::agora::{TYPE}::{name}")

    regs = run_program(program)
    assert pack.analyze_stack(list(regs.values())) == [diag("cafe-nfc", "cafe-nfd"), diag("cafe-nfd", "cafe-nfc")]
