"""Property-based fuzzing of Check and Diff through the SDK's real gRPC server, and of the round trip
check -> create -> read against the emulator.

Inputs are whatever the engine can send: arbitrary JSON-like junk, floats where integers belong, preview
unknowns, nested objects and lists. Promises:

* Check and Diff never fail with an exception (a gRPC error), whatever they get;
* every Check failure names a property (dotted path), and exactly the properties that are wrong are named;
* Diff only ever reports the setting's properties, and replaces only for identity properties;
* whatever Check accepts, Agora accepts, and it round-trips unchanged through create and read, with no diff.

Reproducible in CI: ``derandomize=True`` and no example database, so every run tries the same examples.
``RELIABILITY_FUZZ_SCALE`` (default 1) multiplies the example counts for a longer local run.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Iterator

import grpc
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pulumi.runtime.proto import provider_pb2

from agora_pulumi.model import IDENTITY_PROPS, STORAGE_PROPS, TOP_LEVEL_PROPS, check_props, setting_from_props
from agora_pulumi.regions import PUSH_REGIONS, STORAGE_REGIONS, Vendor
from agora_pulumi.testing.check_lines import said
from agora_pulumi.testing.emulator import EmulatorHandle
from agora_pulumi.testing.engine import UNKNOWN, ProviderServer
from tests.support import clean_env, stack_config

from .helpers import check_raw, wire_body, without_provider
from .strategies import (
    BIG,
    intervals,
    json_values,
    junk_setting,
    keys,
    non_bools,
    non_integral,
    non_strings,
    normalised,
    regions,
    scalars,
    segments,
    storages,
    unusable_in_a_path,
    valid_settings,
)

SCALE = max(1, int(os.environ.get("RELIABILITY_FUZZ_SCALE", "1")))
EXAMPLES = {"check_junk": 300, "check_exact": 400, "diff_junk": 300, "diff_valid": 200, "round_trip": 150}


def fuzz(name: str) -> settings:
    return settings(
        max_examples=EXAMPLES[name] * SCALE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


SOME, NONE = provider_pb2.DiffResponse.DIFF_SOME, provider_pb2.DiffResponse.DIFF_NONE


@pytest.fixture(scope="module")
def fuzz_server(emulator: EmulatorHandle) -> Iterator[ProviderServer]:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emulator.url))
        yield srv


def check(server: ProviderServer, news: dict[str, Any], olds: Any = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    try:
        _, inputs, failures = check_raw(server, news, olds)
    except grpc.RpcError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"Check raised for {news!r}:\n{exc.details()}")
    return inputs, failures


def diff(server: ProviderServer, olds: dict[str, Any], news: dict[str, Any], id_: str = "a/b/cn") -> Any:
    try:
        return server.diff(id_, olds, news)
    except grpc.RpcError as exc:  # pragma: no cover
        pytest.fail(f"Diff raised for olds={olds!r} news={news!r}:\n{exc.details()}")


# --- check: junk in, named failures out ----------------------------------------------------------------


@fuzz("check_junk")
@given(news=junk_setting, olds=st.one_of(st.none(), junk_setting))
def test_check_never_raises_and_every_failure_names_a_property(
    fuzz_server: ProviderServer, news: dict[str, Any], olds: Any
) -> None:
    inputs, failures = check(fuzz_server, news, olds)
    storage = news.get("storageConfig")
    storage_keys = set(storage) if isinstance(storage, dict) else set()
    for prop, reason in said(news, failures).items():  # the engine's lines: never `value {<nil>}`
        assert prop and reason.strip(), (prop, reason)
        head, _, rest = prop.partition(".")
        if prop in news and prop not in TOP_LEVEL_PROPS:
            continue  # an unknown key, named as given
        assert head in TOP_LEVEL_PROPS, prop
        if rest:
            assert head == "storageConfig" and (rest in STORAGE_PROPS or rest in storage_keys), prop
    for required in ("appId", "entryPoint", "region", "enabled"):
        if news.get(required) is None:
            assert required in said(news, failures)
    if not failures:
        assert set(inputs) == set(TOP_LEVEL_PROPS)


BAD_SEGMENTS = ["", "  ", ".", "..", "a/b", "a b", "a?b", "a#b", "a%b", "a\\b", "tab\there", "ctl\x01x", "del\x7fx",
                "zero\u200bwidth", "bidi\u202eflip", "iso\u2066late", "\ufeffbom", "c1\x80ctl", "x" * 129]


@fuzz("check_exact")
@given(data=st.data())
def test_check_names_exactly_the_corrupted_properties(fuzz_server: ProviderServer, data: st.DataObject) -> None:
    """Each property is drawn valid, invalid, unknown or (when optional) absent; Check must name exactly the
    invalid ones (storage ones by dotted path) and nothing else. Unknowns are never judged."""
    props: dict[str, Any] = {}
    expected: set[str] = set()
    saw_unknown = False

    def draw_mode(optional: bool) -> str:
        modes = ["valid", "valid", "invalid", "unknown"] + (["absent", "null"] if optional else [])
        return data.draw(st.sampled_from(modes))

    def put(key: str, valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any], optional: bool,
            target: dict[str, Any], path: str) -> None:
        nonlocal saw_unknown
        mode = draw_mode(optional)
        if mode == "valid":
            target[key] = data.draw(valid)
        elif mode == "invalid":
            target[key] = data.draw(invalid)
            expected.add(path)
        elif mode == "unknown":
            target[key] = UNKNOWN
            saw_unknown = True
        elif mode == "null":
            target[key] = None

    bad_segment = st.one_of(st.none(), non_strings, st.sampled_from(BAD_SEGMENTS))
    put("appId", segments, bad_segment, False, props, "appId")
    put("entryPoint", segments, bad_segment, False, props, "entryPoint")
    bad_region = st.one_of(st.none(), non_strings, st.text(max_size=6).filter(lambda s: s.strip().lower() not in PUSH_REGIONS))
    put("region", regions, bad_region, False, props, "region")
    put("enabled", st.booleans(), st.one_of(st.none(), non_bools), False, props, "enabled")
    bad_interval = st.one_of(st.integers(-BIG, BIG).filter(lambda i: not 5 <= i <= 300), non_integral)
    put("snapshotInterval", intervals, bad_interval, True, props, "snapshotInterval")
    put("enableModeration", st.booleans(), non_bools, True, props, "enableModeration")

    storage_mode = data.draw(st.sampled_from(["dict", "dict", "dict", "not-an-object", "unknown", "absent", "null"]))
    if storage_mode == "not-an-object":
        props["storageConfig"] = data.draw(st.one_of(st.booleans(), st.floats(), st.text(max_size=8), st.lists(scalars, max_size=3)))
        expected.add("storageConfig")
    elif storage_mode == "unknown":
        props["storageConfig"] = UNKNOWN
        saw_unknown = True
    elif storage_mode == "null":
        props["storageConfig"] = None
    elif storage_mode == "dict":
        vendor = data.draw(st.sampled_from(list(Vendor)))
        storage = data.draw(storages(st.just(vendor)))
        vendor_mode = data.draw(st.sampled_from(["valid", "valid", "invalid", "unknown"]))
        if vendor_mode == "invalid":
            storage["vendor"] = data.draw(st.one_of(st.none(), st.integers(-BIG, BIG).filter(lambda i: not 0 <= i <= 5), non_integral))
            expected.add("storageConfig.vendor")
        elif vendor_mode == "unknown":
            storage["vendor"] = UNKNOWN
            saw_unknown = True
        if vendor_mode == "valid":  # the region is judged only against a known vendor
            if STORAGE_REGIONS[vendor]:
                bad = st.one_of(st.none(), st.integers(-BIG, BIG).filter(lambda c: c not in STORAGE_REGIONS[vendor]), non_integral)
            else:
                bad = st.one_of(st.text(max_size=5), st.booleans(), st.lists(scalars, max_size=2),
                                st.floats(allow_nan=True).filter(lambda f: not f.is_integer()))
            put("region", st.just(storage.get("region")), bad, vendor is Vendor.AZURE, storage, "storageConfig.region")
        bad_bucket = st.one_of(st.none(), non_strings, st.just(""))
        if vendor_mode == "valid":
            bad_bucket = st.one_of(bad_bucket, st.just("Bad_Bucket!"))
        put("bucket", st.just(storage["bucket"]), bad_bucket, False, storage, "storageConfig.bucket")
        bad_key = st.one_of(st.none(), non_strings, st.just(""), keys.map(lambda k: f" {k}"), keys.map(lambda k: f"{k}\n"))
        put("accessKey", keys, bad_key, False, storage, "storageConfig.accessKey")
        put("secretKey", keys, bad_key, False, storage, "storageConfig.secretKey")
        for extra in data.draw(st.lists(st.text(max_size=8).filter(lambda k: k not in STORAGE_PROPS), max_size=1)):
            storage[extra] = data.draw(json_values)
            if storage[extra] is not None:  # the SDK drops null properties: an absent key
                expected.add(f"storageConfig.{extra}")
        props["storageConfig"] = storage

    junk_key = st.text(min_size=1, max_size=10).filter(lambda k: k not in TOP_LEVEL_PROPS and k != "__provider")
    for extra in data.draw(st.lists(junk_key, max_size=2, unique=True)):
        props[extra] = data.draw(json_values)
        if props[extra] is not None:
            expected.add(extra)

    inputs, failures = check(fuzz_server, props)
    named = list(said(props, failures))
    assert set(named) == expected, f"input {props!r}: named {named}, expected {sorted(expected)}"
    assert all(reason.strip() for _, reason in failures)
    if not expected and not saw_unknown:
        # A valid input: the model can build it, and checking the checked inputs changes nothing.
        setting_from_props(inputs)
        again, failures_again = check(fuzz_server, inputs)
        assert failures_again == [] and again == inputs


# --- diff ----------------------------------------------------------------------------------------------


@fuzz("diff_junk")
@given(olds=junk_setting, news=junk_setting, id_=st.text(max_size=20))
def test_diff_never_raises_and_only_names_setting_properties(
    fuzz_server: ProviderServer, olds: dict[str, Any], news: dict[str, Any], id_: str
) -> None:
    response = diff(fuzz_server, olds, news, id_)
    assert response.changes in (SOME, NONE)
    assert set(response.replaces) <= set(IDENTITY_PROPS)
    assert response.deleteBeforeReplace is False
    if response.replaces:
        assert response.changes == SOME
    for prop in IDENTITY_PROPS:
        if news.get(prop) == UNKNOWN:
            assert prop in response.replaces


def other_value(prop: str, current: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A valid value of ``prop`` different from the current (normalised) one."""
    strategy: st.SearchStrategy[Any] = {
        "appId": st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
        "entryPoint": segments,
        "region": regions,
        "enabled": st.booleans(),
        "snapshotInterval": intervals,
        "enableModeration": st.booleans(),
        "storageConfig": storages(),
    }[prop]
    return strategy.filter(lambda v: normalised({**current, prop: v})[prop] != current[prop])


@fuzz("diff_valid")
@given(base=valid_settings(), data=st.data())
def test_diff_is_exact_on_valid_settings(fuzz_server: ProviderServer, base: dict[str, Any], data: st.DataObject) -> None:
    """No change -> no diff, whatever the representation; one change -> that property (a replace for identity
    properties); an unknown -> a change (a replace for identity properties)."""
    checked, failures = check_props(base)
    assert failures == []
    outs = setting_from_props(checked).to_state()  # the state the provider recorded
    current = normalised(base)

    same = dict(current)
    same["region"] = data.draw(st.sampled_from([current["region"], current["region"].upper(), f" {current['region']} "]))
    if current["snapshotInterval"] == 10:
        same["snapshotInterval"] = data.draw(st.sampled_from([None, 10.0]))
    if current["enableModeration"] is False:
        same["enableModeration"] = data.draw(st.sampled_from([None, False]))
    news, _ = check(fuzz_server, same)
    assert diff(fuzz_server, outs, news).changes == NONE

    prop = data.draw(st.sampled_from(TOP_LEVEL_PROPS))
    changed_news, named = check(fuzz_server, {**current, prop: data.draw(other_value(prop, current))})
    assert named == []
    response = diff(fuzz_server, outs, changed_news)
    assert response.changes == SOME
    assert list(response.replaces) == ([prop] if prop in IDENTITY_PROPS else [])

    unknown_news, named = check(fuzz_server, {**current, prop: UNKNOWN})
    assert named == []
    response = diff(fuzz_server, outs, unknown_news)
    assert response.changes == SOME
    assert list(response.replaces) == ([prop] if prop in IDENTITY_PROPS else [])


# --- round trip through Agora ----------------------------------------------------------------------------

_COUNTER = itertools.count()


def present(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}

def example_setting(entry_point: str, **extra: Any) -> dict[str, Any]:
    return {"appId": "0123456789abcdef", "entryPoint": entry_point, "region": "CN", "enabled": True, **extra}


AZURE = {"vendor": 5.0, "region": 7.0, "bucket": "snapshots", "accessKey": "ключ 🔑", "secretKey": "s\u0000k\u2028x"}


@fuzz("round_trip")
@given(props=valid_settings(entry_point=st.text(min_size=1, max_size=12)))
@example(props=example_setting("live\n"))  # "$" in a regex accepts a trailing newline
@example(props=example_setting("a\x00b"))
@example(props=example_setting("del\x7f"))
@example(props=example_setting("ideographic\u3000space"))
@example(props=example_setting("zero\u200bwidth"))  # invisible: two names that look alike
@example(props=example_setting("bidi\u202eflip"))
@example(props=example_setting("c1\x80ctl"))
@example(props=example_setting("直播-é"))
@example(props=example_setting("azure", storageConfig=AZURE))
def test_whatever_check_accepts_round_trips_through_create_and_read(
    fuzz_server: ProviderServer, emulator: EmulatorHandle, props: dict[str, Any]
) -> None:
    """Entry points are arbitrary text here: Check must refuse exactly those Agora cannot take, and anything
    it accepts must be created, stored and read back unchanged."""
    props = {**props, "entryPoint": f"rt{next(_COUNTER)}-{props['entryPoint']}"}
    inputs, failures = check(fuzz_server, props)
    if failures:
        assert list(said(props, failures)) == ["entryPoint"]
        assert unusable_in_a_path(props["entryPoint"]), props["entryPoint"]
        assume(False)
    assert not unusable_in_a_path(props["entryPoint"]), props["entryPoint"]
    assert inputs == present(normalised(props))  # the SDK leaves out top-level nulls

    try:
        id_, outs = fuzz_server.create(inputs)
    except grpc.RpcError as exc:
        pytest.fail(f"Check accepted {props!r} but create failed:\n{exc.details()}")
    outs = without_provider(outs)
    assert id_ == f"{inputs['appId']}/{inputs['entryPoint']}/{inputs['region']}"
    assert outs == inputs
    assert emulator.stored(inputs["appId"], inputs["entryPoint"], inputs["region"]) == wire_body(outs)

    read_id, read_outs, read_inputs = fuzz_server.read(id_, outs)
    assert read_id == id_
    assert without_provider(read_outs) == outs
    assert without_provider(read_inputs) == outs
    assert diff(fuzz_server, without_provider(read_outs), inputs).changes == NONE
