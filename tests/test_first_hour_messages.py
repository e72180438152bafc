"""Messages a newcomer meets in the first hour (issue 21), as the engine receives them from the provider."""

from __future__ import annotations

import grpc
import pytest

from agora_pulumi.names import TYPE_TOKEN
from agora_pulumi.testing.check_lines import engine_lines
from agora_pulumi.testing.emulator import running_emulator
from agora_pulumi.testing.engine import ProviderServer
from tests.support import clean_env, setting_inputs, stack_config


def create_error(config: dict[str, str], **inputs: object) -> str:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(config)
        checked, failures = srv.check(setting_inputs(**inputs))
        assert failures == []
        with pytest.raises(grpc.RpcError) as err:
            srv.create({k: v for k, v in checked.items() if k != "__provider"})
        return err.value.details().strip().splitlines()[-1]


def test_a_401_says_what_helps_after_the_credentials_were_corrected() -> None:
    with running_emulator(auth="hmac") as emu:
        last = create_error(stack_config(emu.url, **{"agora:customerSecret": "wrong-secret-value-1234"}))
    assert "`pulumi config set --secret agora:customerSecret` (it prompts for the value)" in last
    assert "<secret>" not in last
    assert ("Already corrected? `pulumi refresh` and `pulumi destroy` use the provider configuration recorded in "
            "the state by the last `pulumi up`") in last
    assert "`pulumi refresh --run-program` / `pulumi destroy --run-program`" in last


def test_a_401_from_an_api_of_the_other_scheme_names_the_scheme() -> None:
    with running_emulator(auth="basic") as emu:
        last = create_error(stack_config(emu.url))  # the provider signs with HMAC by default
    assert ("The request was signed with HMAC-SHA256 (agora:authScheme hmac); if this API takes basic only, "
            "`pulumi config set agora:authScheme basic`.") in last
    with running_emulator(auth="hmac") as emu:
        last = create_error(stack_config(emu.url, **{"agora:authScheme": "basic"}))
    assert "The request was sent with Basic auth (agora:authScheme basic); if this API takes hmac only" in last


def test_a_misspelt_config_key_is_named_with_the_right_one() -> None:
    with running_emulator(auth="hmac") as emu:
        last = create_error({"agora:endpoint": emu.url, "agora:customerID": "demo-customer-id",
                             "agora:customerSecret": "demo-customer-secret"})
    assert last.endswith(
        "agora:customerID is not a setting of this provider: did you mean agora:customerId?"
    )
    assert last.startswith("agora_pulumi.errors.ConfigurationError: No Agora customer ID: set it with `pulumi config "
                           "set agora:customerId <id>`")


def test_a_missing_secret_lets_pulumi_prompt_for_it() -> None:
    with running_emulator(auth="hmac") as emu:
        last = create_error({"agora:endpoint": emu.url, "agora:customerId": "demo-customer-id"})
    assert "`pulumi config set --secret agora:customerSecret` (it prompts for the value)" in last
    assert "<secret>" not in last


def test_a_current_only_vendor_on_snapshot_setting_points_at_custom_snapshot_setting() -> None:
    with ProviderServer(env=clean_env()) as srv:
        news = setting_inputs(storageConfig={**setting_inputs()["storageConfig"], "vendor": 7.0})
        _, failures = srv.check(news)
    assert engine_lines(news, failures, TYPE_TOKEN, "media")[0].startswith(
        f"{TYPE_TOKEN} resource 'media' has a problem: storageConfig.vendor is 7 (Huawei Cloud OBS), a vendor only "
        "the current Media Broadcast API takes: use CustomSnapshotSetting"
    )


def test_whole_numbers_are_shown_as_written() -> None:
    with ProviderServer(env=clean_env()) as srv:
        news = setting_inputs(snapshotInterval=3.0)
        _, failures = srv.check(news)
    assert engine_lines(news, failures, TYPE_TOKEN, "media") == [
        f"{TYPE_TOKEN} resource 'media' has a problem: snapshotInterval must be a whole number "
        "of seconds in [5, 300] (default 10), got 3"
    ]
