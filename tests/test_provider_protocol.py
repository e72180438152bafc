"""The provider through the SDK's own gRPC server (``python -u -m pulumi.dynamic``), as the engine drives it.

Every request goes over a real socket to the project's Agora emulator; assertions are about what a user
would see (outputs, diffs, failures, messages) and about what Agora received.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from agora_pulumi import __version__
from agora_pulumi.client import AgoraClient, ClientConfig
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.testing.check_lines import said
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import UNKNOWN, ProviderServer, to_struct
from tests.support import APP_ID, clean_env, setting_inputs, stack_config

SETTING_ID = f"{APP_ID}/live/cn"


def without_provider(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}


def create(server: ProviderServer, **overrides: Any) -> tuple[str, dict[str, Any]]:
    inputs, failures = server.check(setting_inputs(**overrides))
    assert failures == []
    id_, outs = server.create(without_provider(inputs))
    return id_, without_provider(outs)


def previous_deployment(emu: EmulatorHandle, **overrides: Any) -> dict[str, Any]:
    """Create the setting in a provider process of its own, as an earlier `pulumi up` did."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emu.url))
        return create(srv, **overrides)[1]


def test_configure_declines_secrets_so_the_engine_sends_them_plain(emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env()) as srv:
        assert srv.configure(stack_config(emu.url)).acceptSecrets is False


def test_check_fills_defaults_coerces_floats_and_makes_no_request(server: ProviderServer, emu: EmulatorHandle) -> None:
    inputs, failures = server.check(setting_inputs(region="CN", snapshotInterval=None, enableModeration=None))
    assert failures == []
    inputs = without_provider(inputs)
    assert inputs["region"] == "cn"
    assert inputs["snapshotInterval"] == 10
    assert inputs["enableModeration"] is False
    assert emu.api_requests() == []


def test_check_reports_every_bad_property_by_name(server: ProviderServer, emu: EmulatorHandle) -> None:
    bad = setting_inputs(
        region="mars",
        snapshotInterval=2.0,
        storageConfig={"vendor": 1.0, "region": 18.0, "bucket": "Bad_Bucket", "accessKey": "", "secretKey": "SK"},
    )
    _, failures = server.check(bad)
    reasons = said(bad, failures)
    assert set(reasons) == {
        "region", "snapshotInterval", "storageConfig.region", "storageConfig.bucket", "storageConfig.accessKey",
    }
    assert "cn, ap, na, eu" in reasons["region"]
    assert "17 (US_GOV_WEST_1), 20 (AP_NORTHEAST_3)" in reasons["storageConfig.region"]
    assert emu.api_requests() == []


def test_preview_unknowns_pass_check_and_diff_without_crashing(server: ProviderServer, emu: EmulatorHandle) -> None:
    news = setting_inputs(
        snapshotInterval=UNKNOWN,
        storageConfig={"vendor": 2.0, "region": 3.0, "bucket": UNKNOWN, "accessKey": UNKNOWN, "secretKey": UNKNOWN},
    )
    inputs, failures = server.check(news)
    assert failures == []
    assert inputs["snapshotInterval"] == UNKNOWN
    olds = without_provider(server.check(setting_inputs())[0])
    diff = server.diff(SETTING_ID, olds, without_provider(inputs))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(diff.replaces) == []
    replace = server.diff(SETTING_ID, olds, setting_inputs(appId=UNKNOWN))
    assert list(replace.replaces) == ["appId"]
    assert emu.api_requests() == []


def test_create_sends_one_patch_with_the_full_body_as_json_integers(server: ProviderServer, emu: EmulatorHandle) -> None:
    id_, outs = create(server)
    assert id_ == SETTING_ID
    [request] = emu.api_requests()
    assert request["method"] == "PATCH"
    assert request["path"] == f"/v1/projects/{APP_ID}/fls/entry_points/live/settings/snapshot/regions/cn"
    assert request["body"] == {
        "enabled": True,
        "snapshotInterval": 30,
        "enableModeration": True,
        "storageConfig": {"vendor": 2, "region": 3, "bucket": "snapshots", "accessKey": "***", "secretKey": "***"},
    }
    assert type(request["body"]["snapshotInterval"]) is int
    assert request["user_agent"].startswith(f"agora-pulumi/{__version__}")
    assert emu.stored(APP_ID, "live", "cn")["storageConfig"]["secretKey"] == "SK-test-0001"
    assert outs == {**setting_inputs(), "snapshotInterval": 30, "storageConfig": {
        "vendor": 2, "region": 3, "bucket": "snapshots", "accessKey": "AK-test-0001", "secretKey": "SK-test-0001"}}


def test_omitted_fields_converge_to_defaults_on_update(server: ProviderServer, emu: EmulatorHandle) -> None:
    _, outs = create(server)
    news, _ = server.check(setting_inputs(snapshotInterval=None, enableModeration=None))
    diff = server.diff(SETTING_ID, outs, without_provider(news))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    emu.clear_requests()
    updated = without_provider(server.update(SETTING_ID, outs, without_provider(news)))
    [request] = emu.api_requests()
    assert request["body"]["snapshotInterval"] == 10 and request["body"]["enableModeration"] is False
    assert updated["snapshotInterval"] == 10
    assert emu.stored(APP_ID, "live", "cn")["snapshotInterval"] == 10


def test_no_change_means_no_diff_even_after_refresh(server: ProviderServer, emu: EmulatorHandle) -> None:
    _, outs = create(server)
    news = without_provider(server.check(setting_inputs(region="CN"))[0])
    assert server.diff(SETTING_ID, outs, news).changes == provider_pb2.DiffResponse.DIFF_NONE
    emu.clear_requests()
    read_id, read_outs, read_inputs = server.read(SETTING_ID, outs)
    assert [r["method"] for r in emu.api_requests()] == ["GET"]
    assert read_id == SETTING_ID
    assert without_provider(read_outs) == outs
    assert without_provider(read_inputs) == outs
    assert server.diff(SETTING_ID, without_provider(read_outs), news).changes == provider_pb2.DiffResponse.DIFF_NONE


def test_refresh_reports_drift_and_the_next_up_repairs_it(server: ProviderServer, emu: EmulatorHandle) -> None:
    _, outs = create(server)
    # Someone disables capturing in the console.
    with ProviderServer(env=clean_env()) as other:
        other.configure(stack_config(emu.url))
        other.delete(SETTING_ID, outs)
    _, read_outs, _ = server.read(SETTING_ID, outs)
    assert read_outs["enabled"] is False
    assert read_outs["storageConfig"]["secretKey"] == "SK-test-0001"
    news = without_provider(server.check(setting_inputs())[0])
    diff = server.diff(SETTING_ID, without_provider(read_outs), news)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    server.update(SETTING_ID, without_provider(read_outs), news)
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is True


@pytest.mark.parametrize(("prop", "value"), [("appId", "fedcba9876543210"), ("entryPoint", "other"), ("region", "eu")])
def test_identity_change_replaces_and_old_setting_is_disabled(
    server: ProviderServer, emu: EmulatorHandle, prop: str, value: str
) -> None:
    outs = previous_deployment(emu)
    news = without_provider(server.check(setting_inputs(**{prop: value}))[0])
    diff = server.diff(SETTING_ID, outs, news)
    assert list(diff.replaces) == [prop]
    assert diff.deleteBeforeReplace is False
    # The engine's create-before-delete: the new setting first, then the old one disabled.
    new_id, _ = server.create(news)
    assert new_id != SETTING_ID
    server.delete(SETTING_ID, outs)
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is False
    ident = new_id.split("/")
    assert emu.stored(*ident)["enabled"] is True


def test_delete_disables_with_one_patch_and_404_counts_as_gone(emu: EmulatorHandle) -> None:
    with running_emulator(entry_points=[f"{APP_ID}/live"]) as restricted:
        with ProviderServer(env=clean_env()) as srv:
            srv.configure(stack_config(restricted.url))
            _, outs = create(srv)
        with ProviderServer(env=clean_env()) as srv:  # a later `pulumi destroy`
            srv.configure(stack_config(restricted.url))
            restricted.clear_requests()
            srv.delete(SETTING_ID, outs)
            [request] = restricted.api_requests()
            assert request["method"] == "PATCH" and request["body"] == {"enabled": False}
            assert restricted.stored(APP_ID, "live", "cn")["enabled"] is False
            gone = {**outs, "entryPoint": "deleted-in-console"}
            srv.delete(f"{APP_ID}/deleted-in-console/cn", gone)  # no error
            read_id, _, _ = srv.read(f"{APP_ID}/deleted-in-console/cn", gone)
            assert read_id == ""


def test_rename_without_aliases_leaves_the_setting_enabled(server: ProviderServer, emu: EmulatorHandle) -> None:
    old_outs = previous_deployment(emu)
    # A later deployment: the resource was renamed, so the engine creates the new URN and deletes the old.
    inputs = without_provider(server.check(setting_inputs(), name="renamed")[0])
    server.create(inputs, name="renamed")
    emu.clear_requests()
    server.delete(SETTING_ID, old_outs, name="setting")
    assert emu.api_requests() == []
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is True
    assert "left enabled" in server.stderr_text() and "aliases" in server.stderr_text()


def test_removing_storage_config_is_a_check_failure(server: ProviderServer) -> None:
    olds = without_provider(server.check(setting_inputs())[0])
    news = setting_inputs(storageConfig=None)
    _, failures = server.check(news, olds=olds)
    assert list(said(news, failures)) == ["storageConfig"]
    assert "PATCH cannot clear" in said(news, failures)["storageConfig"]


def test_missing_credentials_fail_create_with_the_config_key_but_preview_works(emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure({"agora:endpoint": emu.url})
        inputs, failures = srv.check(setting_inputs())
        assert failures == []
        with pytest.raises(grpc.RpcError) as err:
            srv.create(without_provider(inputs))
        details = err.value.details()
        assert "agora:customerId" in details and "pulumi config set" in details
        assert emu.api_requests() == []


def test_environment_fallback_for_credentials_and_endpoint(emu: EmulatorHandle) -> None:
    env = {**clean_env(), "AGORA_CUSTOMER_ID": "demo-customer-id", "AGORA_CUSTOMER_SECRET": "demo-customer-secret",
           "AGORA_ENDPOINT": emu.url}
    with ProviderServer(env=env) as srv:
        srv.configure({})
        id_, _ = create(srv)
        assert id_ == SETTING_ID
        assert emu.api_requests()[0]["auth"] == "ok"


def test_wrong_secret_error_names_setting_status_request_id_and_fix(emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emu.url, **{"agora:customerSecret": "wrong-secret-value-1234"}))
        inputs, _ = srv.check(setting_inputs())
        with pytest.raises(grpc.RpcError) as err:
            srv.create(without_provider(inputs))
        details = err.value.details()
        [request] = emu.api_requests()
        assert SETTING_ID in details
        assert "HTTP 401" in details
        assert request["request_id"] in details
        assert "pulumi config set --secret agora:customerSecret" in details
        for secret in ("wrong-secret-value-1234", "AK-test-0001", "SK-test-0001"):
            assert secret not in details
            assert secret not in srv.stderr_text()
        assert emu.stored(APP_ID, "live", "cn") is None


def test_plain_http_to_a_remote_endpoint_is_refused(emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config("http://agora.example.com"))
        inputs, _ = srv.check(setting_inputs())
        with pytest.raises(grpc.RpcError) as err:
            srv.create(without_provider(inputs))
        assert "agora:endpoint" in err.value.details() and "https" in err.value.details()


@pytest.mark.parametrize("max_retries", ["2", 2.0, "2.0"])
def test_numeric_settings_accept_strings_and_typed_yaml_numbers(emu: EmulatorHandle, max_retries: object) -> None:
    with ProviderServer(env=clean_env()) as srv:
        config: dict[str, Any] = {**stack_config(emu.url), "agora:maxRetries": max_retries}
        srv.stub.Configure(provider_pb2.ConfigureRequest(args=to_struct(config), acceptSecrets=True))
        emu.set_faults(queue=[{"status": 503}] * 3)
        inputs, _ = srv.check(setting_inputs())
        with pytest.raises(grpc.RpcError) as err:
            srv.create(without_provider(inputs))
        assert "after 3 attempts" in err.value.details()


@pytest.mark.parametrize("bad", ["two", "-1", "2.5"])
def test_bad_numeric_setting_names_the_key(emu: EmulatorHandle, bad: str) -> None:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emu.url, **{"agora:maxRetries": bad}))
        inputs, failures = srv.check(setting_inputs())
        assert failures == []  # preview never needs the provider config
        with pytest.raises(grpc.RpcError) as err:
            srv.create(without_provider(inputs))
        assert "agora:maxRetries must be a whole number >= 0" in err.value.details()
        assert emu.api_requests() == []


def test_storage_set_in_the_console_does_not_block_the_next_up(server: ProviderServer, emu: EmulatorHandle) -> None:
    outs = previous_deployment(emu, storageConfig=None)
    console = {"enabled": True, "storageConfig": {"vendor": 2, "region": 3, "bucket": "console", "accessKey": "AK-console-77",
                                 "secretKey": "SK-console-77"}}
    # Someone sets storage in the console: a PATCH of the storage config only.
    AgoraClient(ClientConfig("demo-customer-id", "demo-customer-secret", endpoint=emu.url)).patch_setting(SettingIdentity(APP_ID, "live", "cn"), console
    )
    _, read_outs, read_inputs = server.read(SETTING_ID, outs)
    assert without_provider(read_outs).get("storageConfig") is None
    assert "AK-console-77" not in str(read_outs) and "AK-console-77" not in server.stderr_text()
    assert "does not manage" in server.stderr_text()
    news, failures = server.check(setting_inputs(storageConfig=None), olds=without_provider(read_inputs))
    assert failures == []
    diff = server.diff(SETTING_ID, without_provider(read_outs), without_provider(news))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE


# --- the current reference's transport, through the engine protocol ------------------------------------------


def test_create_read_delete_are_hmac_signed_through_the_engine_protocol(server: ProviderServer, emu: EmulatorHandle) -> None:
    """The shared emulator runs with ``--auth hmac``: it verifies every signature independently."""
    id_, outs = create(server)
    server.read(id_, without_provider(outs))
    with ProviderServer(env=clean_env()) as later:  # a later deployment (the rename guard spares same-run ids)
        later.configure(stack_config(emu.url))
        later.delete(id_, without_provider(outs))
    seen = emu.api_requests()
    assert [(r["method"], r["auth"], r["auth_scheme"]) for r in seen] == [
        ("PATCH", "ok", "hmac"), ("GET", "ok", "hmac"), ("PATCH", "ok", "hmac")
    ]
    assert emu.stored(APP_ID, "live", "cn")["enabled"] is False
    assert "Authorization" not in server.stderr_text() and "signature" not in server.stderr_text()


def test_basic_scheme_is_refused_by_an_hmac_only_agora_with_the_key_to_change(emu: EmulatorHandle) -> None:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emu.url, **{"agora:authScheme": "basic"}))
        inputs, _ = srv.check(setting_inputs())
        with pytest.raises(grpc.RpcError) as err:
            srv.create(without_provider(inputs))
        assert "HTTP 401" in err.value.details() and "accepts HMAC auth only" in err.value.details()
        assert [r["auth_scheme"] for r in emu.api_requests()] == ["basic"]


def test_endpoints_fail_over_through_the_engine_protocol(emu: EmulatorHandle) -> None:
    with running_emulator(auth="hmac") as first, ProviderServer(env=clean_env()) as srv:
        first.set_faults(fail_rate=1.0, fail_status=503)
        config = {k: v for k, v in stack_config(emu.url).items() if k != "agora:endpoint"}
        srv.configure({**config, "agora:endpoints": f'["{first.url}", "{emu.url}"]'})
        id_, _ = create(srv)
        assert id_ == SETTING_ID
        assert [r["status"] for r in first.api_requests()] == [503]
        assert [r["status"] for r in emu.api_requests()] == [200]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"agora:endpoint": "http://127.0.0.1:8787/agora"}, "must be an origin"),
        ({"agora:endpoint": "http://127.attacker.example"}, "plain http to another machine"),
        ({"agora:customerSecret": "demo-customer-secret\u200b"}, "agora:customerSecret contains ZERO WIDTH SPACE"),
        ({"agora:customerId": "demo\u2019customer"}, "agora:customerId contains RIGHT SINGLE QUOTATION MARK"),
        ({"agora:authScheme": "token"}, "agora:authScheme must be one of hmac, basic"),
    ],
)
def test_bad_transport_config_is_a_configuration_error_naming_the_key(
    emu: EmulatorHandle, extra: dict[str, str], words: str
) -> None:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(emu.url, **extra))
        inputs, _ = srv.check(setting_inputs())
        with pytest.raises(grpc.RpcError) as err:
            srv.create(without_provider(inputs))
        last_line = err.value.details().strip().splitlines()[-1]
        assert words in last_line, last_line
        assert "UnicodeEncodeError" not in err.value.details()
        assert "demo-customer-secret" not in err.value.details()
        assert emu.api_requests() == []
