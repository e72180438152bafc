"""Hostile identities (issue 20, items 11 and 12): names that look like one setting but were two, and keys of
two settings that were one.

``café`` typed as one code point (NFC) or as ``e`` plus a combining accent (NFD) looks the same in a program,
a config file and a preview; it must be one setting everywhere the identity is compared: the provider's
check, set member keys, the fleet's resource names and duplicate check, and the policy pack (see
``tests/policy/test_policy_pack_hostile.py``). A seed App ID holding ``:`` would take the key of a current-API
setting (``standard:app7`` + ``/live/cn`` is the standard setting of ``app7``); App IDs with ``:`` are refused.
"""

from __future__ import annotations

import unicodedata
from typing import Iterator

import pytest

from agora_pulumi import SettingSetMember, SnapshotSettingSet
from agora_pulumi.fleet import FleetConfigError, parse_fleet
from agora_pulumi.model import check_props, diff_props
from agora_pulumi.set_model import check_set
from agora_pulumi.testing.check_lines import said
from agora_pulumi.testing.engine import ProviderServer
from tests.support import clean_env, setting_inputs, stack_config

NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")
APP = "0123456789abcdef0123456789abcdef"


def test_the_two_spellings_differ_but_look_alike() -> None:
    assert NFC != NFD and len(NFD) == len(NFC) + 1


@pytest.fixture(scope="module")
def checker() -> Iterator[ProviderServer]:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config("http://127.0.0.1:9"))
        yield srv


def test_check_gives_the_entry_point_in_nfc(checker: ProviderServer) -> None:
    inputs, failures = checker.check(setting_inputs(entryPoint=NFD))
    assert failures == [] and inputs["entryPoint"] == NFC


def test_nfc_and_nfd_are_one_setting_for_diff() -> None:
    """State written with one spelling, program changed to the other: no replace (it is the same setting)."""
    olds, _ = check_props(setting_inputs(entryPoint=NFC))
    news, _ = check_props(setting_inputs(entryPoint=NFD))
    assert diff_props(olds, news) == ([], [])


def test_a_set_refuses_the_two_spellings_as_one_setting_listed_twice() -> None:
    members = [
        SettingSetMember(app_id=APP, entry_point=spelling, region="cn", enabled=True) for spelling in (NFC, NFD)
    ]
    assert members[0].key == members[1].key == f"{APP}/{NFC}/cn"
    with pytest.raises(TypeError, match="listed twice"):
        SnapshotSettingSet("app", members)


def test_a_set_member_keyed_in_nfc_matches_its_nfd_inputs() -> None:
    member = SettingSetMember(app_id=APP, entry_point=NFD, region="cn", enabled=True)
    props, failures = check_set({"settings": {member.key: member.to_props()}})
    assert failures == [] and list(props["settings"]) == [f"{APP}/{NFC}/cn"]


def test_the_fleet_refuses_the_two_spellings_as_a_duplicate() -> None:
    with pytest.raises(FleetConfigError) as info:
        parse_fleet({"appId": APP, "regions": ["cn"]}, None, [NFC, NFD])
    assert info.value.errors == [
        f"entryPoints[1].name: duplicates entryPoints[0]: appId '{APP}', entry point '{NFC}' is already listed "
        "there for region(s) cn (from defaults.regions); list each entry point once"
    ]


def test_fleet_resource_names_are_nfc() -> None:
    fleet = parse_fleet({"appId": APP, "regions": ["cn"]}, None, [NFD])
    assert [s.resource_name for s in fleet.settings] == [f"{APP}/{NFC}/cn"]


# --- item 12: keys of two settings must never be one ---------------------------------------------------


COLON = "cannot be an Agora App ID: it holds ':'"


def test_check_refuses_an_app_id_with_a_colon(checker: ProviderServer) -> None:
    news = setting_inputs(appId="standard:app7")
    _, failures = checker.check(news)
    assert [(prop, COLON in reason) for prop, reason in said(news, failures).items()] == [("appId", True)]


def test_a_seed_member_cannot_take_the_key_of_a_standard_member() -> None:
    """Before: both members got the key ``standard:app7/live/cn`` and the set said "listed twice"."""
    with pytest.raises(ValueError) as info:
        SettingSetMember(app_id="standard:app7", entry_point="live", region="cn", enabled=True)
    assert str(info.value) == (
        'SettingSetMember: app_id "standard:app7" cannot be an Agora App ID: it holds \':\' (Agora\'s App IDs '
        "are 32 hex characters; use the App ID shown in Agora Console)"
    )
    standard = SettingSetMember(app_id="app7", entry_point="live", region="cn", enabled=True, api="standard")
    assert standard.key == "standard:app7/live/cn"


def test_check_set_names_the_colon_not_a_key_clash() -> None:
    props = {"api": "legacy", **setting_inputs(appId="standard:app7")}
    _, failures = check_set({"settings": {"standard:app7/live/cn": props}})
    assert [f.property for f in failures] == ['settings["standard:app7/live/cn"].appId']
    assert COLON in failures[0].reason


def test_the_fleet_refuses_an_app_id_with_a_colon() -> None:
    with pytest.raises(FleetConfigError) as info:
        parse_fleet({"appId": "standard:app7", "regions": ["cn"]}, None, ["live"])
    assert [e.split(":", 1)[0] for e in info.value.errors] == ["defaults.appId"]
    assert COLON in info.value.errors[0]
