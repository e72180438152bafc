"""Twelve behaviours a planted bug once broke without any test noticing (issue 23), each pinned here.

Each test asserts what a user sees: the check failure the engine shows, the error ``pulumi up`` prints, the
state a refresh writes, the requests a server received. The hostile servers here echo *one* thing each (the
body alone, a piece of a key, its base64), never together with the ``Authorization`` header, whose echo
would make the client withhold the whole message and hide how the rest is handled. ``tools/mutants.py``
plants the bugs again before each release.
"""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar, Iterator

import pytest

from agora_pulumi import model
from agora_pulumi.client import AgoraClient, ClientConfig
from agora_pulumi.errors import AgoraError, APIError
from agora_pulumi.fleet import FleetConfigError, parse_fleet
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from agora_pulumi.ratelimit import ARRIVAL_MARGIN, TokenBucket, shared_bucket
from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.engine import ProviderServer, provider_blob
from tests.support import APP_ID, StandInHandler, clean_env, setting_inputs, stack_config, stand_in
from tests.test_ratelimit import FakeClock, grant_times, most_in_any_window

# Three canaries with no 8-character piece in common: one shared piece (a common "-canary-" infix) would let
# an echo of one be withheld as a leak of another, and a test of the one could pass however the other is handled.
AK = "AKx7Hq4Tz8Rb1cY6wE"
SK = "SKm2Mf6Yq3Ud5eJ0pN"
CUSTOMER_SECRET = "CSq9Q7v2Lw9xKpT4zR"
WITHHELD = "(the answer's text is withheld: it repeats part of the request's credentials)"
IDENTITY = SettingIdentity(APP_ID, "live", "cn")
PATH = f"/v1/projects/{APP_ID}/fls/entry_points/live/settings/snapshot/regions/cn"


def test_the_canaries_share_no_piece() -> None:
    pieces = [{secret[i:i + 8] for i in range(len(secret) - 7)} for secret in (AK, SK, CUSTOMER_SECRET)]
    assert not (pieces[0] & pieces[1] or pieces[0] & pieces[2] or pieces[1] & pieces[2])


def failures(props: dict[str, Any], kind: SettingKind = LEGACY) -> list[tuple[str, str]]:
    """What the provider's check reports, as (property, reason)."""
    _, found = model.check_props(props, None, model.never_unknown, kind)
    return [(f.property, f.reason) for f in found]


def storage(vendor: int, bucket: str, region: int | None = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"vendor": float(vendor), "bucket": bucket, "accessKey": AK, "secretKey": SK}
    if region is not None:
        out["region"] = float(region)
    return out


S3_BUCKET_RULE = (
    "is not a valid Amazon S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and "
    "ending with a letter or digit, not an IP address, no '..', not starting with 'xn--' or 'sthree-', not "
    "ending with '-s3alias', '--ol-s3' or '--x-s3'"
)


# --- 1, 2: S3 bucket names -------------------------------------------------------------------------------


def test_1_an_s3_bucket_of_64_characters_is_refused_and_63_accepted() -> None:
    assert failures(setting_inputs(storageConfig=storage(1, "b" * 63))) == []
    assert failures(setting_inputs(storageConfig=storage(1, "b" * 64))) == [("storageConfig.bucket", S3_BUCKET_RULE)]


def test_2_an_s3_bucket_with_two_dots_in_a_row_is_refused() -> None:
    assert failures(setting_inputs(storageConfig=storage(1, "snap.shots"))) == []
    assert failures(setting_inputs(storageConfig=storage(1, "snap..shots"))) == [
        ("storageConfig.bucket", S3_BUCKET_RULE)
    ]


# --- 3: dot-segments as an entry point -------------------------------------------------------------------


@pytest.mark.parametrize("name", [".", ".."])
def test_3_a_dot_segment_entry_point_is_refused(name: str) -> None:
    assert failures(setting_inputs(entryPoint=name)) == [
        (
            "entryPoint",
            f"\"{name}\" cannot be part of Agora's URL path: '.' and '..' are removed from a URL by HTTP "
            "clients, so the request would reach another path; choose another entry point name",
        )
    ]


def test_3_names_made_of_dots_that_are_not_dot_segments_stay_valid() -> None:
    assert failures(setting_inputs(entryPoint="...")) == []
    assert failures(setting_inputs(entryPoint=".live")) == []


# --- 4: Huawei OBS on the custom API ---------------------------------------------------------------------


def test_4_a_huawei_obs_bucket_with_two_dots_in_a_row_is_refused_on_the_custom_api() -> None:
    assert failures(setting_inputs(storageConfig=storage(7, "snap.shots")), CUSTOM) == []
    assert failures(setting_inputs(storageConfig=storage(7, "snap..shots")), CUSTOM) == [
        (
            "storageConfig.bucket",
            "is not a valid Huawei Cloud OBS bucket name: 3-63 lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit, no '..', '.-' or '-.', not an IP address",
        )
    ]


# --- 5: Kingsoft NA_Russia_1 is Europe -------------------------------------------------------------------


def _kingsoft_fleet(push_region: str) -> None:
    parse_fleet(
        {"appId": "app", "regions": [push_region], "storage": "ks3-moscow"},
        {"ks3-moscow": {"vendor": 4, "region": 8, "bucket": "snapshots", "accessKey": AK, "secretKey": SK}},
        ["live"],
    )


def test_5_kingsoft_na_russia_1_serves_europe_not_north_america() -> None:
    _kingsoft_fleet("eu")  # accepted: Moscow is in Europe
    with pytest.raises(FleetConfigError) as info:
        _kingsoft_fleet("na")
    assert info.value.errors == [
        "defaults.storage: profile 'ks3-moscow' stores in Kingsoft Cloud KS3 region 8 (NA_Russia_1, in Europe), "
        "but serves push region na (entryPoints[0] na); Agora's doc requires storage in the push region: pick a "
        "profile there with overrides.<region>.storage (here or in defaults)"
    ]


# --- 6: a refresh of a region-less vendor drops the region Agora returns ---------------------------------


@pytest.mark.parametrize(("kind", "vendor"), [(LEGACY, 5), (CUSTOM, 5), (CUSTOM, 6)], ids=["azure", "custom-azure", "google"])
def test_6_refreshing_a_regionless_vendor_drops_the_region_agora_returns(kind: SettingKind, vendor: int) -> None:
    inputs, found = model.check_props(
        setting_inputs(storageConfig=storage(vendor, "snapshots", region=None)), None, model.never_unknown, kind
    )
    assert found == []
    answer = {
        "enabled": True, "snapshotInterval": 30, "enableModeration": True,
        "storageConfig": {"vendor": vendor, "region": 3, "bucket": "snapshots", "accessKey": AK, "secretKey": SK},
    }
    state = model.state_from_response(IDENTITY, answer, inputs, kind)
    assert state["storageConfig"] == {"vendor": vendor, "region": None, "bucket": "snapshots", "accessKey": AK,
                                      "secretKey": SK}
    assert model.diff_props(state, inputs, model.never_unknown, kind) == ([], [])


# --- 7-10: what a hostile server echoes in an error ------------------------------------------------------


class Echo(StandInHandler):
    """Answers 400 with a JSON message built by ``say`` from the request body: one echo, nothing else (no
    ``Authorization`` value, no request id)."""

    say: ClassVar[Any] = staticmethod(lambda body: body)
    timeout = 10.0

    def do_PATCH(self) -> None:  # noqa: N802 - the http.server naming
        self.answer_json(400, {"message": type(self).say(self.request_body())})


@pytest.fixture
def echo() -> Iterator[tuple[str, type[Echo]]]:
    handler = type("EchoOne", (Echo,), {})
    with stand_in(handler) as url:
        yield url, handler


def patch_error(url: str) -> str:
    client = AgoraClient(ClientConfig("id", CUSTOMER_SECRET, endpoint=url, max_retries=0))
    try:
        client.patch_setting(IDENTITY, {"enabled": True, "storageConfig": storage(2, "snapshots", 3)})
    except AgoraError as exc:
        return str(exc)
    finally:
        client.close()
    raise AssertionError("the PATCH did not fail")


def test_7_an_error_quoting_the_patch_body_withholds_the_storage_keys(echo: tuple[str, type[Echo]]) -> None:
    url, handler = echo
    handler.say = staticmethod(lambda body: f"invalid request body: {body}")
    text = patch_error(url)
    assert f"Agora answered PATCH {PATH} with HTTP 400: {WITHHELD}" in text
    assert AK not in text and SK not in text and '"bucket"' not in text


def test_7_an_error_without_an_echo_is_shown(echo: tuple[str, type[Echo]]) -> None:
    """The other side: a plain message is not withheld (else test 7 passes however little is echoed)."""
    url, handler = echo
    handler.say = staticmethod(lambda body: "storageConfig.region is invalid")
    assert f"Agora answered PATCH {PATH} with HTTP 400: storageConfig.region is invalid" in patch_error(url)


@pytest.mark.parametrize("secret", [SK, AK, CUSTOMER_SECRET], ids=["secretKey", "accessKey", "customer secret"])
def test_9_every_8_character_piece_of_a_secret_is_withheld(echo: tuple[str, type[Echo]], secret: str) -> None:
    url, handler = echo
    for start in range(len(secret) - 8 + 1):
        piece = secret[start:start + 8]
        handler.say = staticmethod(lambda body, piece=piece: f"key fragment <{piece}> rejected")
        text = patch_error(url)
        assert piece not in text, f"piece {start} ({piece!r}) shown"
        assert f"with HTTP 400: {WITHHELD}" in text


@pytest.mark.parametrize("secret", [SK, AK, CUSTOMER_SECRET], ids=["secretKey", "accessKey", "customer secret"])
def test_10_the_base64_spelling_of_a_secret_is_withheld(echo: tuple[str, type[Echo]], secret: str) -> None:
    url, handler = echo
    spelled = base64.b64encode(secret.encode()).decode()
    handler.say = staticmethod(lambda body: f"credential {spelled} rejected")
    text = patch_error(url)
    assert spelled not in text and spelled[4:20] not in text
    assert f"with HTTP 400: {WITHHELD}" in text


def test_10_a_key_full_of_quotes_is_withheld_in_its_json_spelling(echo: tuple[str, type[Echo]]) -> None:
    """A body echoed as text carries a key JSON-escaped (``\\"``): every 8 characters of this key hold a quote
    or a backslash, so only its escaped spelling matches the echo (which quotes the key alone, no other
    credential)."""
    url, handler = echo
    key = 'Zq"7\\v"2\\Lw"9\\xK"4\\t'
    handler.say = staticmethod(lambda body: "invalid value at " + body[body.index('"secretKey"'):])
    client = AgoraClient(ClientConfig("id", CUSTOMER_SECRET, endpoint=url, max_retries=0))
    with pytest.raises(AgoraError) as info:
        client.patch_setting(IDENTITY, {"enabled": True, "storageConfig": {**storage(2, "snapshots", 3), "secretKey": key}})
    client.close()
    text = str(info.value)
    assert f"with HTTP 400: {WITHHELD}" in text
    assert json.dumps(key)[1:-1][2:10] not in text


# --- 8: redirects to a PATCH are never followed ----------------------------------------------------------


class Redirecting(StandInHandler):
    """PATCH to the setting's path: a redirect to ``/elsewhere``, where any method "succeeds"."""

    status: ClassVar[int] = 302
    seen: ClassVar[list[str]] = []
    timeout = 10.0

    def _answer(self) -> None:
        self.request_body()
        type(self).seen.append(f"{self.command} {self.path}")
        if self.path == "/elsewhere":
            self.answer(200, b"{}")
        else:
            self.answer(type(self).status, headers={"Location": "/elsewhere"})

    do_GET = do_PATCH = _answer  # noqa: N815


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_8_a_redirect_answering_a_patch_is_an_error_and_not_followed(status: int) -> None:
    handler = type("Redirect", (Redirecting,), {"status": status, "seen": []})
    with stand_in(handler) as url:
        client = AgoraClient(ClientConfig("id", CUSTOMER_SECRET, endpoint=url, max_retries=2))
        with pytest.raises(APIError) as info:
            client.patch_setting(IDENTITY, {"enabled": False})
        client.close()
    assert type(info.value) is APIError and info.value.status == status
    assert str(info.value).startswith(f"Agora answered PATCH {PATH} with HTTP {status} (endpoint tried: {url}).")
    assert handler.seen == [f"PATCH {PATH}"]


# --- 11: the rename guard is per API ---------------------------------------------------------------------


def served(kind: SettingKind, url: str) -> ProviderServer:
    srv = ProviderServer(env=clean_env(), provider=provider_blob(kind.name), type_token=kind.type_token)
    srv.start()
    srv.configure(stack_config(url))
    return srv


def inputs_of(kind: SettingKind) -> dict[str, Any]:
    props = setting_inputs()
    if kind is STANDARD:
        del props["storageConfig"]
    elif kind is CUSTOM:
        props["storageConfig"] = storage(7, "snapshots", 6)
    return props


def plain(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}


@pytest.mark.parametrize("kind", [STANDARD, CUSTOM], ids=lambda k: k.name)
def test_11_renaming_a_standard_or_custom_setting_without_aliases_keeps_it_enabled(
    emu: EmulatorHandle, kind: SettingKind
) -> None:
    srv = served(kind, emu.url)
    try:
        inputs, found = srv.check(inputs_of(kind), name="renamed")
        assert found == []
        id_, outs = srv.create(plain(inputs), name="renamed")
        emu.clear_requests()
        srv.delete(id_, plain(outs), name="setting")  # the old URN of the same setting
        assert emu.api_requests() == []
        assert emu.stored(APP_ID, "live", "cn", kind=kind.name)["enabled"] is True
        assert (
            f"warning: {kind.label} {IDENTITY} was just written by another resource in this deployment (a "
            "rename without `aliases`, or two resources for one setting); it is left enabled rather than "
            f"disabled. Use `aliases` when renaming a {kind.resource}."
        ) in srv.stderr_text()
    finally:
        srv.close()


@pytest.mark.parametrize(("written", "deleted"), [(STANDARD, LEGACY), (CUSTOM, STANDARD), (LEGACY, CUSTOM)],
                         ids=["standard-then-legacy", "custom-then-standard", "legacy-then-custom"])
def test_11_settings_of_two_apis_with_one_id_are_two_settings_for_the_guard(
    emu: EmulatorHandle, written: SettingKind, deleted: SettingKind
) -> None:
    """One provider process serves a deployment; writing one API's setting must not spare another's."""
    srv = served(written, emu.url)
    try:
        inputs, _ = srv.check(inputs_of(written))
        id_, _ = srv.create(plain(inputs))
        other, _ = srv.check(inputs_of(deleted))
        srv.provider, srv.type_token = provider_blob(deleted.name), deleted.type_token
        emu.clear_requests()
        srv.delete(id_, plain(other))
        assert [(r["method"], r["path"]) for r in emu.api_requests()] == [
            ("PATCH", f"/v1/projects/{APP_ID}/fls/entry_points/live/settings/{deleted.path}/regions/cn")
        ]
        assert emu.stored(APP_ID, "live", "cn", kind=deleted.name)["enabled"] is False
        assert emu.stored(APP_ID, "live", "cn", kind=written.name)["enabled"] is True
    finally:
        srv.close()


# --- 12: the shared rate limiter's throughput, from below -------------------------------------------------


def test_12_the_shared_limiter_sustains_at_least_45_requests_per_second_at_50() -> None:
    """The margin costs about 9% (50 / 1.1 = 45.5 per second); a margin bug that halves throughput (about 25
    per second) must fail. Measured on a fake clock with the shared buckets' own margin, and the shared
    bucket's window pinned to that one."""
    clock = FakeClock()
    limiter = TokenBucket(50, clock=clock, sleep=clock.sleep, margin=ARRIVAL_MARGIN)
    times = grant_times(limiter, clock, 50 * 20)
    sustained = (len(times) - limiter.burst) / (times[-1] - times[0])
    assert 45.0 <= sustained <= 50.0
    assert most_in_any_window(times, 1.0) <= 50
    shared = shared_bucket(50)
    assert (shared.rate, shared.burst) == (50.0, 50)
    assert shared.window == limiter.window
    assert shared.burst / shared.window >= 45.0
