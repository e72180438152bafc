"""Answers that are not Agora's, through the engine protocol: a 404 page from a proxy must not pass for "the
setting is gone", and a 200 page from a captive portal must not pass for a successful write.

The stand-in "Agora" is a small threaded HTTP server on 127.0.0.1 answering one fixed reply per entry point.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Iterator

import grpc
import pytest

from agora_pulumi.testing.engine import ProviderServer
from tests.support import APP_ID, StandInHandler, clean_env, setting_inputs, stack_config, stand_in

HTML = b"<html><body><h1>404 Not Found</h1>nginx</body></html>"

# entry point -> (status, content type, body)
REPLIES: dict[str, tuple[int, str, bytes]] = {
    "html404": (404, "text/html", HTML),
    "json404": (404, "application/json", b'{"message": "entry point not found"}'),
    "empty404": (404, "application/json", b""),
    "portal200": (200, "text/html", b"<html>Please log in to the hotel Wi-Fi</html>"),
}


class Stand_in(StandInHandler):
    def _reply(self) -> None:
        self.request_body()
        entry_point = self.path.split("/entry_points/")[1].split("/")[0]
        status, content_type, body = REPLIES[entry_point]
        self.answer(status, body, {"Content-Type": content_type})

    do_GET = do_PATCH = _reply  # noqa: N815


@pytest.fixture(scope="module")
def stand_in_url() -> Iterator[str]:
    with stand_in(Stand_in) as url:
        yield url


@pytest.fixture
def provider(stand_in_url: str) -> Iterator[ProviderServer]:
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(stand_in_url, **{"agora:maxRetries": "0"}))
        yield srv


def state(entry_point: str) -> tuple[str, dict[str, Any]]:
    props = {**setting_inputs(entryPoint=entry_point, storageConfig=None), "snapshotInterval": 30}
    props.pop("storageConfig")
    return f"{APP_ID}/{entry_point}/cn", props


def last_line(err: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    return str(err.value.details()).strip().splitlines()[-1]


def test_an_html_404_on_refresh_is_an_error_not_a_deleted_setting(provider: ProviderServer, stand_in_url: str) -> None:
    id_, props = state("html404")
    with pytest.raises(grpc.RpcError) as err:
        provider.read(id_, props)
    line = last_line(err)
    assert f"SnapshotSettingError: Reading snapshot setting {id_} failed" in line
    assert f"a 404 from {stand_in_url} that is not Agora's (text/html)" in line


def test_an_html_404_on_destroy_is_an_error_not_already_gone(provider: ProviderServer, stand_in_url: str) -> None:
    id_, props = state("html404")
    with pytest.raises(grpc.RpcError) as err:
        provider.delete(id_, props)
    line = last_line(err)
    assert "still in the stack" in line and "(text/html)" in line and stand_in_url in line


@pytest.mark.parametrize("entry_point", ["json404", "empty404"])
def test_agoras_own_404_still_means_gone(provider: ProviderServer, entry_point: str) -> None:
    id_, props = state(entry_point)
    read_id, read_props, _ = provider.read(id_, props)
    assert read_id == "" and {k: v for k, v in read_props.items() if k != "__provider"} == {}
    provider.delete(id_, props)  # nothing left to disable: no error


def test_a_200_page_from_a_captive_portal_is_not_a_successful_write(provider: ProviderServer) -> None:
    _, props = state("portal200")
    inputs, failures = provider.check(props)
    assert failures == []
    with pytest.raises(grpc.RpcError) as err:
        provider.create({k: v for k, v in inputs.items() if k != "__provider"})
    line = last_line(err)
    assert "neither empty nor JSON (text/html)" in line and "nothing says Agora applied the change" in line


# --- what a hostile answer copies from the request must not reach the error -----------------------------------


class Echoing(StandInHandler):
    """Copies the request's Authorization header and body into the places a client might quote: the request
    id of a 200 page, the Date of a 401 (after a real date, so it still parses), a multi-line message."""

    def _reply(self) -> None:
        echo = f"{self.headers.get('Authorization', '')} {self.request_body()}"
        entry_point = self.path.split("/entry_points/")[1].split("/")[0]
        if entry_point == "portal":
            status, headers, payload = 200, {"X-Request-Id": echo, "Content-Type": "text/html"}, b"<html>hi</html>"
        else:
            message = json.dumps({"message": "bad\nrequest\n" + echo}).encode()
            status, headers, payload = 401, {"Date": f"Mon, 01 Jan 2001 00:00:00 GMT {echo}",
                                             "Content-Type": "application/json"}, message
        self.answer(status, payload, {name: " ".join(value.split()) for name, value in headers.items()})

    do_GET = do_PATCH = _reply  # noqa: N815


SECRET = "Zq8x-echo-Secret-77wV"  # distinctive: no 8-character piece is an English word of the messages
ACCESS, SECRET_KEY = "AK-echo-key-000111", "SK-echo-key-000222"


def pieces(text: str) -> set[str]:
    return {text[i : i + 8] for i in range(len(text) - 7)}


@pytest.mark.parametrize("scheme", ["hmac", "basic"])
@pytest.mark.parametrize("entry_point", ["portal", "denied"])
def test_echoed_credentials_never_reach_the_error(scheme: str, entry_point: str) -> None:
    with stand_in(Echoing) as url, ProviderServer(env=clean_env()) as srv:
        srv.configure(stack_config(url, **{"agora:authScheme": scheme, "agora:customerSecret": SECRET}))
        props = setting_inputs(entryPoint=entry_point, storageConfig={
            "vendor": 2.0, "region": 3.0, "bucket": "snaps", "accessKey": ACCESS, "secretKey": SECRET_KEY})
        inputs, _ = srv.check(props)
        with pytest.raises(grpc.RpcError) as err:
            srv.create({k: v for k, v in inputs.items() if k != "__provider"})
        details = str(err.value.details())
    basic_token = base64.b64encode(f"demo-customer-id:{SECRET}".encode()).decode()
    for secret in (SECRET, ACCESS, SECRET_KEY, basic_token):
        leaked = [p for p in pieces(secret) if p in details]
        assert not leaked, (secret, leaked[:3])
    assert 'signature="' not in details
    last = details.strip().splitlines()[-1]
    assert ("HTTP 200" if entry_point == "portal" else "HTTP 401") in last  # one line says everything
