"""Hostile input, second round (issue 20, items 1-7 and 15): endpoints, signing, retries and answer sizes.

Each test is what a user would meet: the configuration error's words, what the stand-in "Agora" was sent,
what refresh and destroy report. Stand-ins are small HTTP servers on 127.0.0.1 (``tests.support.stand_in``)
giving the answers the emulator will not give.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

import grpc
import pytest

from agora_pulumi import errors
from agora_pulumi.client import AgoraClient
from agora_pulumi.client_config import ClientConfig
from agora_pulumi.emulator import DEFAULT_CUSTOMER_ID, DEFAULT_CUSTOMER_SECRET
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.testing.engine import ProviderServer
from tests.support import APP_ID, StandInHandler, clean_env, setting_inputs, stack_config, stand_in

SETTING = SettingIdentity(APP_ID, "live", "cn")


class Recorder(StandInHandler):
    """Answers every request, whatever its path, with a JSON 404 (a reverse proxy's root, say) and records the
    request line: a request that reaches it anywhere but ``/v1/…`` is the defect."""

    seen: list[str] = []

    def _reply(self) -> None:
        self.request_body()
        type(self).seen.append(f"{self.command} {self.path}")
        self.answer(404, b'{"message": "not found"}')

    do_GET = do_PATCH = _reply  # noqa: N815


@pytest.fixture
def recorder() -> Iterator[str]:
    Recorder.seen = []
    with stand_in(Recorder) as url:
        yield url


def config(**fields: Any) -> ClientConfig:
    return ClientConfig(
        **{
            "customer_id": DEFAULT_CUSTOMER_ID,
            "customer_secret": DEFAULT_CUSTOMER_SECRET,
            "backoff_factor": 0.01,
            "backoff_jitter": 0.0,
            "max_retry_after": 0.2,
            "read_timeout": 2.0,
            **fields,
        }
    )


def state_props() -> dict[str, Any]:
    props = {**setting_inputs(), "snapshotInterval": 30}
    props.pop("storageConfig")
    return props


# --- 1: an empty query or fragment in the endpoint -------------------------------------------------------

EMPTY_TAILS = ["/?", "?", "#", "/#", "/?#", "?/v1"]


@pytest.mark.parametrize("tail", EMPTY_TAILS)
def test_an_endpoint_with_an_empty_query_or_fragment_is_refused_by_refresh_and_destroy(
    recorder: str, tail: str
) -> None:
    """The high one: ``http://host:P/?`` sent requests to ``/?/v1/…``; a JSON 404 there made refresh drop the
    setting and destroy succeed while capturing stayed on at Agora."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(recorder + tail, **{"agora:maxRetries": "0"}))
        for call in (lambda: srv.read(SETTING.id, state_props()), lambda: srv.delete(SETTING.id, state_props())):
            with pytest.raises(grpc.RpcError) as err:
                call()
            last_line = err.value.details().strip().splitlines()[-1]
            assert "agora:endpoint" in last_line, last_line
            assert "must be an origin" in last_line and "remove everything after the host and port" in last_line
    assert Recorder.seen == []


@pytest.mark.parametrize("tail", EMPTY_TAILS)
def test_agora_endpoints_with_an_empty_query_or_fragment_is_refused(tail: str) -> None:
    with pytest.raises(errors.ConfigurationError) as err:
        config(endpoints=("https://api.agora.io", "https://api.sd-rtn.com" + tail))
    assert "agora:endpoints" in str(err.value) and "must be an origin" in str(err.value)


def test_the_client_never_sends_anywhere_but_v1_even_if_the_configuration_were_bypassed(recorder: str) -> None:
    """Defence in depth: an origin that slipped past the configuration check still cannot send a request whose
    path is not the API's, so no answer from elsewhere can pass for "the setting is gone"."""
    cfg = config(endpoint=recorder, max_retries=0)
    object.__setattr__(cfg, "endpoint", recorder + "/?")  # what a future parser bug could let through
    client = AgoraClient(cfg)
    for call in (lambda: client.get_setting(SETTING), lambda: client.patch_setting(SETTING, {"enabled": False})):
        with pytest.raises(errors.AgoraError) as err:
            call()
        assert not isinstance(err.value, errors.NotFoundError)
        assert "agora:endpoint" in str(err.value) and "/v1/" in str(err.value)
    assert Recorder.seen == []


def test_a_clean_origin_still_reaches_v1_and_agoras_404_still_means_gone(recorder: str) -> None:
    client = AgoraClient(config(endpoint=recorder + "/", max_retries=0))
    with pytest.raises(errors.NotFoundError):
        client.get_setting(SETTING)
    assert Recorder.seen == [f"GET /v1/projects/{APP_ID}/fls/entry_points/live/settings/snapshot/regions/cn"]


# --- 2: credentials in an endpoint are never printed -----------------------------------------------------

PASSWORD = "hunter2-Pa55word"

BAD_WITH_USERINFO = [
    f"https://admin:{PASSWORD}@api.agora.io:99999",  # port out of range
    f"https://admin:{PASSWORD}@api.agora.io:port",  # port not a number
    f"https://admin:{PASSWORD}@",  # no host
    f"ftp://admin:{PASSWORD}@api.agora.io",  # not http(s)
    f"admin:{PASSWORD}@api.agora.io",  # no scheme
    f"https://admin:{PASSWORD}@[::1",  # broken IPv6 literal
]


@pytest.mark.parametrize("url", BAD_WITH_USERINFO)
@pytest.mark.parametrize("key", ["agora:endpoint", "agora:endpoints"])
def test_an_endpoint_error_never_prints_the_credentials_in_the_url(url: str, key: str) -> None:
    fields = {"endpoint": url} if key == "agora:endpoint" else {"endpoints": ("https://api.agora.io", url)}
    with pytest.raises(errors.ConfigurationError) as err:
        config(**fields)
    message = str(err.value)
    assert message.startswith(key + " "), message
    assert PASSWORD not in message and "admin" not in message, message


def test_an_endpoint_error_through_the_provider_never_prints_the_credentials(recorder: str) -> None:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(f"https://admin:{PASSWORD}@api.agora.io:99999"))
        with pytest.raises(grpc.RpcError) as err:
            srv.read(SETTING.id, state_props())
        assert "agora:endpoint" in err.value.details()
        assert PASSWORD not in err.value.details() and PASSWORD not in srv.stderr_text()


# --- 3: agora:endpoints as a real list --------------------------------------------------------------------


def test_agora_endpoints_as_a_typed_yaml_list_reaches_the_endpoints_in_order(recorder: str) -> None:
    """``agora:endpoints: [a, b]`` in the stack file arrives at Configure as a list, not JSON text."""
    from pulumi.runtime.proto import provider_pb2

    from agora_pulumi.testing.engine import to_struct

    settings = {k: v for k, v in stack_config(recorder).items() if k != "agora:endpoint"}
    with ProviderServer(env=clean_env()) as srv:
        srv.stub.Configure(
            provider_pb2.ConfigureRequest(
                args=to_struct({**settings, "agora:endpoints": [recorder, recorder + "/"]}), acceptSecrets=True
            )
        )
        assert srv.read(SETTING.id, state_props())[0] == ""  # the recorder's JSON 404 on the API path: gone
    assert len(Recorder.seen) == 1 and Recorder.seen[0].startswith("GET /v1/projects/")


@pytest.mark.parametrize("value", [["https://a.example", "https://b.example/"], ("https://a.example", "https://b.example")])
def test_agora_endpoints_accepts_a_list_or_tuple_of_strings(value: Any) -> None:
    base = {"agora:customerId": "id", "agora:customerSecret": "secret-0001", "agora:endpoints": value}
    assert ClientConfig.from_sources(base.get, {}).origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize("value", [["https://a.example", 5], [], [" "], [["https://a.example"]]])
def test_agora_endpoints_refuses_a_list_of_anything_but_urls(value: Any) -> None:
    base = {"agora:customerId": "id", "agora:customerSecret": "secret-0001", "agora:endpoints": value}
    with pytest.raises(errors.ConfigurationError) as err:
        ClientConfig.from_sources(base.get, {})
    assert "agora:endpoints must" in str(err.value)


# --- 4 and 5: the Host signed is the Host sent -----------------------------------------------------------


@pytest.mark.parametrize("url", ["https://api.example.", "https://api.example.:443", "https://API.agora.io.:8443/"])
def test_a_host_with_a_trailing_dot_is_refused_naming_the_key_and_the_fix(url: str) -> None:
    """urllib3 sends ``Host: api.example`` for ``api.example.``: the signature over the dotted host was
    refused (401) and the message blamed the credentials."""
    for fields, key in (({"endpoint": url}, "agora:endpoint"), ({"endpoints": (url,)}, "agora:endpoints")):
        with pytest.raises(errors.ConfigurationError) as err:
            config(**fields)
        message = str(err.value)
        assert message.startswith(key + " ") and "ends with a dot" in message and "remove" in message, message


@pytest.mark.parametrize(
    "url",
    [
        "https://straße.example",
        "https://faß.de:8443/",
        "https://BÜCHER.example",
        "https://xn--strae-oqa.example",
        "https://München.DE",
        "https://[::1]:8787",
    ],
)
def test_the_host_signed_is_the_host_requests_sends(url: str) -> None:
    """requests encodes a non-ASCII host by IDNA 2008 (``straße`` -> ``xn--strae-oqa``); signing the old
    IDNA 2003 form (``strasse``) made every request a 401."""
    import requests

    from agora_pulumi.signing import host_header

    sent = requests.Request("GET", url).prepare().url
    assert host_header(url) == host_header(sent)
    AgoraClient(config(endpoint=url))  # accepted


@pytest.mark.parametrize("url", ["https://ｌｏｃａｌｈｏｓｔ", "https://Ⅻ.example", "https://api.example\u3002"])
def test_a_host_requests_cannot_send_is_refused_naming_the_key_and_the_xn_form(url: str) -> None:
    with pytest.raises(errors.ConfigurationError) as err:
        AgoraClient(config(endpoint=url))
    assert "agora:endpoint" in str(err.value) and "xn--" in str(err.value)


# --- scripted stand-ins: one answer per attempt -----------------------------------------------------------

READ_TIMEOUT = 0.5


def scripted(*answers: Any) -> type[StandInHandler]:
    """A handler answering its n-th request with ``answers[n]`` (the last one repeats): ``(status, body)``, or
    ``"timeout"`` (read the request, then say nothing for longer than the client waits). Every request's
    ``Authorization`` header is kept in ``authorizations``."""

    class Scripted(StandInHandler):
        authorizations: list[str] = []

        def _reply(self) -> None:
            self.request_body()
            n = len(Scripted.authorizations)
            Scripted.authorizations.append(self.headers.get("Authorization", ""))
            answer = answers[min(n, len(answers) - 1)]
            if answer == "timeout":
                time.sleep(READ_TIMEOUT * 3)
                return
            status, body = answer
            self.answer(status, body if isinstance(body, bytes) else json.dumps(body).encode())

        do_GET = do_PATCH = _reply  # noqa: N815

    return Scripted


def signature(authorization: str) -> str:
    return authorization.rpartition('signature="')[2].rstrip('"')


# --- 6: every attempt's signature is scrubbed ------------------------------------------------------------


class EchoFirstSignature(StandInHandler):
    """503 to the first attempt; then a 401 whose message and request id quote the *first* attempt's
    signature (a gateway logging the first request it saw)."""

    authorizations: list[str] = []

    def _reply(self) -> None:
        self.request_body()
        seen = type(self).authorizations
        seen.append(self.headers.get("Authorization", ""))
        if len(seen) == 1:
            status, body = 503, {"message": "busy"}
        else:
            first = signature(seen[0])
            status, body = 401, {"message": f"signature {first} does not match", "requestId": first}
        self.answer_json(status, body)

    do_GET = do_PATCH = _reply  # noqa: N815


def test_a_401_quoting_an_earlier_attempts_signature_never_prints_it() -> None:
    EchoFirstSignature.authorizations = []
    ticks = iter(range(1000))
    with stand_in(EchoFirstSignature) as url:
        # A clock that moves on a second per reading: each attempt carries its own Date, so its own signature.
        client = AgoraClient(config(endpoint=url, max_retries=2), clock=lambda: time.time() + next(ticks))
        with pytest.raises(errors.AuthenticationError) as err:
            client.get_setting(SETTING)
    first, second = (signature(a) for a in EchoFirstSignature.authorizations)
    assert first != second  # each attempt is signed afresh (its own Date)
    message = str(err.value)
    assert "HTTP 401" in message
    for piece in (first, first[:12], first[-12:]):
        assert piece not in message, message


# --- 7: "may have been applied" whenever any attempt's outcome is unknown --------------------------------

BODY = {"enabled": False}


def test_a_patch_that_timed_out_then_got_503_says_it_may_have_been_applied() -> None:
    handler = scripted("timeout", (503, {"message": "busy"}))
    with stand_in(handler) as url:
        client = AgoraClient(config(endpoint=url, max_retries=2, read_timeout=READ_TIMEOUT))
        with pytest.raises(errors.ServerError) as err:
            client.patch_setting(SETTING, BODY)
    message = str(err.value)
    assert len(handler.authorizations) == 3  # type: ignore[attr-defined]
    assert "HTTP 503" in message and "after 3 attempts" in message
    assert "may have applied the change" in message and "pulumi refresh" in message, message
    assert "nothing was changed" not in message, message


def test_a_patch_that_timed_out_then_failed_over_to_503_says_it_may_have_been_applied() -> None:
    slow, busy = scripted("timeout"), scripted((503, {"message": "busy"}))
    with stand_in(slow) as first, stand_in(busy) as second:
        client = AgoraClient(config(endpoints=(first, second), max_retries=1, read_timeout=READ_TIMEOUT))
        with pytest.raises(errors.ServerError) as err:
            client.patch_setting(SETTING, BODY)
    message = str(err.value)
    assert f"endpoints tried: {first}, {second}" in message
    assert "may have applied the change" in message and "nothing was changed" not in message, message


def test_a_patch_that_timed_out_then_found_the_next_endpoint_closed_says_it_may_have_been_applied() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with stand_in(scripted("timeout")) as first:
        client = AgoraClient(config(endpoints=(first, closed), max_retries=1, read_timeout=READ_TIMEOUT))
        with pytest.raises(errors.TransportError) as err:
            client.patch_setting(SETTING, BODY)
    message = str(err.value)
    assert "connection was refused" in message and "may have applied the change" in message, message


def test_a_get_or_a_patch_refused_every_time_still_says_nothing_was_changed() -> None:
    with stand_in(scripted((503, {"message": "busy"}))) as url:
        client = AgoraClient(config(endpoint=url, max_retries=1))
        for call in (lambda: client.get_setting(SETTING), lambda: client.patch_setting(SETTING, BODY)):
            with pytest.raises(errors.ServerError) as err:
                call()
            assert "nothing was changed" in str(err.value) and "may have applied" not in str(err.value)


# --- 15: Agora's answers are capped ----------------------------------------------------------------------

HUGE = 24 * 1024 * 1024


class Huge(StandInHandler):
    """A 24 MiB JSON object, with a Content-Length (entry point ``sized``) or streamed until the connection
    closes (``streamed``), to GET and PATCH alike."""

    def _reply(self) -> None:
        self.request_body()
        sized = "/entry_points/sized/" in self.path
        head, tail = b'{"enabled": true, "pad": "', b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if sized:
            self.send_header("Content-Length", str(len(head) + HUGE + len(tail)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(head)
            chunk = b"x" * (1024 * 1024)
            for _ in range(HUGE // len(chunk)):
                self.wfile.write(chunk)
            self.wfile.write(tail)
        except OSError:
            pass  # the client stopped reading: what the cap is for

    do_GET = do_PATCH = _reply  # noqa: N815


@pytest.mark.parametrize("entry_point", ["sized", "streamed"])
def test_a_huge_answer_is_refused_with_a_clear_error(entry_point: str) -> None:
    identity = SettingIdentity(APP_ID, entry_point, "cn")
    with stand_in(Huge) as url:
        client = AgoraClient(config(endpoint=url, max_retries=0))
        for method, call in (
            ("GET", lambda: client.get_setting(identity)),
            ("PATCH", lambda: client.patch_setting(identity, BODY)),
        ):
            with pytest.raises(errors.InvalidResponseError) as err:
                call()
            message = str(err.value)
            assert f"Agora answered {method}" in message and "larger than 1 MiB" in message, message
