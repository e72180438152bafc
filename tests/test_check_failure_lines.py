"""Check failures as the engine prints them (issue 21 item 8): never ``value {<nil>}``, never a value the reason
keeps back, and the line still names the property and the fix.

The engine fills ``property %v value %v`` with the *top-level* input of that name, so a nested path or a
missing key printed ``value {<nil>}``, and a secret printed in plaintext; the rule
(:func:`agora_pulumi.engine_failures.for_engine`) hands no failure a property and withholds secret values. The served tests render the engine's lines with its own templates
(:mod:`agora_pulumi.testing.check_lines`) for both front ends.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from agora_pulumi.engine_failures import SECRET_SHOWN, for_engine
from agora_pulumi.model import Failure
from agora_pulumi.names import TYPE_TOKEN
from agora_pulumi.native.schema import token
from agora_pulumi.regions import SEED_CATALOG
from agora_pulumi.testing.check_lines import NIL, engine_lines, said
from agora_pulumi.testing.engine import ProviderServer, provider_blob
from agora_pulumi.testing.native import NativeProviderServer, is_secret, secret
from agora_pulumi.unknowns import UNKNOWN
from tests.support import APP_ID, clean_env, setting_inputs, stack_config

VENDORS = SEED_CATALOG.describe_vendors()
SET_TOKEN = token("SnapshotSettingSet")

# --- the rule --------------------------------------------------------------------------------------------


def test_every_failure_goes_without_property_and_its_path_heads_the_reason() -> None:
    """Nested, missing or present, the engine never gets a property to echo."""
    cases = [
        (Failure("storageConfig.vendor", "must be one of 0 (Qiniu Cloud); got 17"),
         "storageConfig.vendor must be one of 0 (Qiniu Cloud); got 17"),
        (Failure("appId", "is required: set it (app_id in Python) to the Agora App ID"),
         "appId is required: set it (app_id in Python) to the Agora App ID"),
        (Failure("snapshotInterval", "must be a whole number of seconds in [5, 300] (default 10), got 3"),
         "snapshotInterval must be a whole number of seconds in [5, 300] (default 10), got 3"),
        (Failure("accessKey", "is an unknown key (allowed: appId)"), "accessKey is an unknown key (allowed: appId)"),
    ]
    for failure, reason in cases:
        assert for_engine(failure) == Failure("", reason)


def test_a_failure_without_property_is_kept_as_it_is() -> None:
    assert for_engine(Failure("", "settings must be an object")) == Failure("", "settings must be an object")


def test_secret_values_are_withheld_wherever_the_reason_shows_them() -> None:
    quoted = Failure("appId", '"app 7-secret" cannot be part of Agora\'s URL path: remove whitespace')
    assert for_engine(quoted, ["app 7-secret"]) == Failure(
        "", "appId (a secret value) cannot be part of Agora's URL path: remove whitespace")
    region = Failure("region", 'must be a push region, one of cn; got "mars"')
    assert for_engine(region, ["mars"]) == Failure("", f"region must be a push region, one of cn; {SECRET_SHOWN}")
    in_a_key = Failure('settings["realsecretappid0/live/cn"].enabled', 'must be true or false, got "yes"')
    assert for_engine(in_a_key, ["realsecretappid0"]) == Failure(
        "", 'settings["[redacted]/live/cn"].enabled must be true or false, got "yes"')


def test_a_secret_number_is_withheld_without_touching_other_numbers() -> None:
    failure = Failure("snapshotInterval", "must be a whole number of seconds in [5, 300] (default 10), got 3")
    assert for_engine(failure, [3.0]).reason == (
        f"snapshotInterval must be a whole number of seconds in [5, 300] (default 10), {SECRET_SHOWN}")
    other = Failure("snapshotInterval", "must be a whole number of seconds in [5, 300] (default 10), got 30")
    assert for_engine(other, [3.0]).reason.endswith("got 30")


# --- through the served providers, as the engine prints them --------------------------------------------


def mistakes() -> dict[str, Any]:
    """The issue's program: a vendor that is no vendor, and no appId."""
    news = setting_inputs(storageConfig={**setting_inputs()["storageConfig"], "vendor": 17.0}, snapshotInterval=3.0)
    del news["appId"]
    return news


def expected(type_token: str) -> list[str]:
    """The lines of :func:`mistakes`, in Check's order."""
    return [
        f"{type_token} resource 'media' has a problem: appId is required: set it (app_id in Python) to the Agora App ID",
        f"{type_token} resource 'media' has a problem: snapshotInterval must be a whole "
        "number of seconds in [5, 300] (default 10), got 3",
        f"{type_token} resource 'media' has a problem: storageConfig.vendor must be one of {VENDORS}; got 17",
    ]


@pytest.fixture(scope="module")
def dynamic() -> Iterator[ProviderServer]:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config("http://127.0.0.1:9"))
        yield srv


@pytest.fixture(scope="module")
def native() -> Iterator[NativeProviderServer]:
    with NativeProviderServer(env=clean_env()) as srv:
        srv.configure({}, stack_config("http://127.0.0.1:9"))
        yield srv


def test_the_dynamic_provider_s_lines_name_the_property_and_show_no_nil(dynamic: ProviderServer) -> None:
    news = mistakes()
    _, failures = dynamic.check(news, name="media")
    assert engine_lines(news, failures, TYPE_TOKEN, "media") == expected(TYPE_TOKEN)


def test_the_native_provider_s_lines_are_the_same(native: NativeProviderServer) -> None:
    news = mistakes()
    _, failures = native.check("SnapshotSetting", news, name="media")
    assert engine_lines(news, failures, token("SnapshotSetting"), "media") == expected(token("SnapshotSetting"))


def test_set_members_are_named_by_their_path(native: NativeProviderServer) -> None:
    member = {"appId": APP_ID, "entryPoint": "live", "region": "cn", "enabled": True,
              "storageConfig": {**setting_inputs()["storageConfig"], "vendor": 17.0}}
    news = {"settings": [member, {"entryPoint": "x", "region": "cn"}]}
    _, failures = native.check("SnapshotSettingSet", news, name="fleet")
    assert engine_lines(news, failures, SET_TOKEN, "fleet") == [
        f"{SET_TOKEN} resource 'fleet' has a problem: settings[1] needs appId, entryPoint and region as strings: "
        "they name the setting",
        f"{SET_TOKEN} resource 'fleet' has a problem: settings[\"{APP_ID}/live/cn\"].storageConfig.vendor must be "
        f"one of {VENDORS}; got 17",
    ]


def test_the_dynamic_set_s_lines_show_no_nil() -> None:
    key = f"{APP_ID}/live/cn"
    news = {"settings": {key: {"api": "legacy", "appId": APP_ID, "entryPoint": "live", "region": "cn", "enabled": 1.0}}}
    set_type = "pulumi-python:dynamic:Resource"
    with ProviderServer(env=clean_env(), provider=provider_blob("set"), type_token=set_type) as srv:
        srv.configure(stack_config("http://127.0.0.1:9"))
        _, failures = srv.check(news, name="fleet")
    assert engine_lines(news, failures, set_type, "fleet") == [
        f"{set_type} resource 'fleet' has a problem: settings[\"{key}\"].enabled must be true or false, got 1"
    ]


def test_a_secret_value_never_reaches_the_native_provider_s_line(native: NativeProviderServer) -> None:
    """A secret region the engine would print as ``{&{{mars-secret}}}``: no echo, and the reason says only
    that the value is secret."""
    news = setting_inputs(region=secret("mars-secret"))
    _, failures = native.check("SnapshotSetting", news)
    lines = engine_lines(news, failures)
    assert len(lines) == 1 and "mars-secret" not in lines[0], lines
    assert lines[0].endswith(f"has a problem: region must be a push region, one of cn, ap, na, eu (mainland China, "
                             f"Asia Pacific, North America, Europe); {SECRET_SHOWN}")


def test_the_dynamic_provider_is_sent_secrets_unmarked_so_only_the_engine_s_echo_is_avoided(
    dynamic: ProviderServer,
) -> None:
    """The SDK's dynamic provider does not accept secrets: the engine sends it the plain value, which it cannot
    know was secret (docs/resources.md says so). What it can do: never let the engine print the value too."""
    news = setting_inputs(region="mars-secret")
    _, failures = dynamic.check(news)
    (line,) = engine_lines({**news, "region": secret("mars-secret")}, failures)
    assert "{&{{" not in line and line.count("mars-secret") == 1, line


def test_secrets_inside_set_members_stay_secret_and_out_of_the_lines(native: NativeProviderServer) -> None:
    """A member's secret App ID (part of its key) and a secret value of another field: neither is shown, and
    the checked ``settings`` are secret (the state would otherwise hold the App ID in plaintext)."""
    member = {"appId": secret("realsecretappid0"), "entryPoint": "live", "region": "cn", "enabled": secret("yes-no")}
    checked, failures = native.check("SnapshotSettingSet", {"settings": [member]}, name="fleet")
    assert is_secret(checked["settings"])
    lines = engine_lines({"settings": [member]}, failures, SET_TOKEN, "fleet")
    assert lines == [f"{SET_TOKEN} resource 'fleet' has a problem: settings[\"[redacted]/live/cn\"].enabled must be "
                     f"true or false, {SECRET_SHOWN}"]
    whole = secret([{"appId": APP_ID, "entryPoint": "live", "region": "cn", "enabled": "yes-whole"}])
    checked, failures = native.check("SnapshotSettingSet", {"settings": whole}, name="fleet")
    assert is_secret(checked["settings"]) and "yes-whole" not in str(failures) and SECRET_SHOWN in str(failures)


@pytest.mark.parametrize("server", ["dynamic", "native"])
def test_no_line_can_show_nil(server: str, request: pytest.FixtureRequest) -> None:
    """Every kind of failure at once: each one that keeps a property names an input the engine holds."""
    news = {"colour": "red", "region": None, "enabled": "yes", "snapshotInterval": UNKNOWN, "enableModeration": 2.0,
            "entryPoint": "a" * 200,
            "storageConfig": {"vendor": "s3", "regoin": 1.0, "bucket": "", "accessKey": " AK", "secretKey": None}}
    srv = request.getfixturevalue(server)
    _, failures = srv.check(news) if server == "dynamic" else srv.check("SnapshotSetting", news)
    lines = engine_lines(news, failures)
    assert len(lines) >= 9 and not any(NIL in line for line in lines), lines
    assert [prop for prop, _ in failures if prop] == []
    assert set(said(news, failures)) == {
        "colour", "appId", "region", "enabled", "enableModeration", "entryPoint", "storageConfig.regoin",
        "storageConfig.vendor", "storageConfig.bucket", "storageConfig.accessKey", "storageConfig.secretKey",
    }
