"""Secret-leak scan: a full lifecycle with distinctive secret values, and every place a secret could escape.

The storage keys may appear in plaintext in exactly two places of the protocol: ``storageConfig.accessKey``
and ``storageConfig.secretKey`` of the Check/Create/Update/Read properties, which the engine re-marks as
secret (the resource passes them as ``Output.secret`` and lists ``storageConfig`` in
``additional_secret_outputs``; the dynamic provider answers Configure with ``acceptSecrets: false``, so the
engine unwraps and re-wraps them). The customer secret may appear nowhere but the ``Authorization`` header.
Everything else is scanned: Check failures, Diff responses, gRPC errors (details and metadata), the
decoded ``__provider``, the provider's stderr (warnings and logs), exception messages, the emulator's
request log and its stderr, the User-Agent and the URLs.

The credentials actually sent are secrets too. The lifecycle runs once per authentication scheme (HMAC, the
default, and Basic) through a recording pass-through (:class:`benchmarks.forwarder.RecordingForwarder`) in
front of the emulator, which writes down every request's ``Authorization`` header: each value is then looked
for whole, and its proof of the secret (the HMAC ``signature``, the Basic token) whole and as any 8-character
piece, everywhere above. Hostile servers that echo the ``Authorization`` value and the body, as JSON or as a
``text/plain`` 500, must not get any 8-character piece of a secret or of the ``Authorization`` value into an
error.

Each secret is looked for whole and as any 8-character piece, so a truncated secret is a leak too.
"""

from __future__ import annotations

import base64
import json
import traceback
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping, Optional, Union

import dill
import grpc
import pytest

from agora_pulumi.client import AgoraClient, ClientConfig
from agora_pulumi.errors import AgoraError
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.provider import SnapshotSettingProvider
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from agora_pulumi.testing.engine import ProviderServer
from benchmarks.forwarder import RecordingForwarder
from tests.support import APP_ID, StandInHandler, clean_env, setting_inputs, stack_config, stand_in

from .helpers import check_raw, settle, stored_setting, struct_to_python, without_provider

SECRETS: Mapping[str, str] = {
    "customer secret": "CS-canary-Q7v2Lw9xKpT4",
    "wrong customer secret": "CS-canary-Zt5Ly2Oi8uR1",
    "access key 1": "AK-canary-Hn4Tz8Rb1cY6",
    "secret key 1": "SK-canary-Mf6Yq3Ud5eJ0",
    "access key 2": "AK-canary-Wp2Jx7Gs9aB3",
    "secret key 2": "SK-canary-Vb8Nc1Ke4rD7",
    "access key 3": "AK-canary-Lr3Fw6Pq0mS2",
    "secret key 3": "SK-canary-Ge9Xh2Ty7vN5",
}
CUSTOMER_SECRET = SECRETS["customer secret"]
WINDOW = 8
SECRET_PATHS = {("storageConfig", "accessKey"), ("storageConfig", "secretKey")}
ENTRY_POINT = "leak-scan"
SETTING_ID = f"{APP_ID}/{ENTRY_POINT}/cn"


def keys(n: int, **storage: Any) -> dict[str, Any]:
    return {"vendor": 2.0, "region": 3.0, "bucket": "snapshots", "accessKey": SECRETS[f"access key {n}"],
            "secretKey": SECRETS[f"secret key {n}"], **storage}


def credential_part(authorization: str) -> str:
    """What in an ``Authorization`` value proves the secret: the HMAC signature, or the Basic token."""
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "hmac":
        return rest.rpartition('signature="')[2].rstrip('"')
    return rest


class Scanner:
    """Looks for every secret (whole, or any 8-character piece of it) in everything it is shown.

    Texts are kept and searched in :meth:`scan`, so credentials learned later (the ``Authorization`` values
    of requests sent after a text was captured) are looked for in every text too.
    """

    def __init__(self) -> None:
        self.sites: list[str] = []
        self.leaks: list[str] = []
        self.texts: list[tuple[str, str]] = []
        self.secrets: dict[str, str] = dict(SECRETS)
        self.whole_only: dict[str, str] = {}
        TALLY.append(self)

    def add_secret(self, name: str, value: str, *, pieces: bool = True) -> None:
        """Look for ``value`` too: whole, and (``pieces``) as any 8-character piece."""
        if pieces:
            self.secrets.setdefault(name, value)
        else:
            self.whole_only.setdefault(name, value)

    def add_authorizations(self, values: Iterable[str], label: str) -> int:
        """Every distinct ``Authorization`` value sent: whole, and its proof of the secret in pieces."""
        distinct = sorted(set(values))
        for i, value in enumerate(distinct):
            self.add_secret(f"{label} Authorization value #{i}", value, pieces=False)
            self.add_secret(f"{label} {value.partition(' ')[0]} credential #{i}", credential_part(value))
        return len(distinct)

    def text(self, site: str, text: Union[str, bytes, None]) -> None:
        self.sites.append(site)
        if text is None:
            return
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        self.texts.append((site, text))

    def scan(self) -> list[str]:
        pieces: dict[str, str] = {}
        for name, secret in self.secrets.items():
            for i in range(len(secret) - WINDOW + 1):
                pieces.setdefault(secret[i:i + WINDOW], name)
        self.leaks = []
        for site, text in self.texts:
            found = next(((name, secret) for name, secret in {**self.secrets, **self.whole_only}.items()
                          if secret in text), None)
            if found is None:
                hit = next((text[i:i + WINDOW] for i in range(len(text) - WINDOW + 1)
                            if text[i:i + WINDOW] in pieces), None)
                if hit is not None:
                    found = (f"a piece of {pieces[hit]} ({hit!r})", hit)
            if found is not None:
                what, piece = found
                at = text.index(piece)
                self.leaks.append(f"{what} in {site}: ...{text[max(0, at - 40):at + 40]!r}...")
        return self.leaks

    def properties(self, site: str, props: Any, path: tuple[str, ...] = ()) -> None:
        """A property map of a gRPC response: secrets only at the two marked paths; ``__provider`` decoded."""
        if isinstance(props, Mapping):
            for key, value in props.items():
                self.text(f"{site} (property name {'.'.join((*path, key))})", key)
                if key == "__provider" and not path:
                    self.provider_blob(f"{site} __provider", value)
                else:
                    self.properties(site, value, (*path, key))
        elif isinstance(props, list):
            for item in props:
                self.properties(site, item, path)
        elif isinstance(props, str) and path not in SECRET_PATHS:
            self.text(f"{site} {'.'.join(path)}", props)

    def provider_blob(self, site: str, blob: str) -> None:
        raw = base64.b64decode(blob)
        self.text(f"{site} (decoded pickle)", raw)
        self.text(f"{site} (unpickled repr)", repr(vars(dill.loads(raw))))  # noqa: S301 - our own blob

    def rpc_error(self, site: str, err: grpc.RpcError) -> None:
        self.text(f"{site}: gRPC error details", err.details())
        self.text(f"{site}: gRPC error string", str(err))
        self.text(f"{site}: gRPC error metadata", repr(err.trailing_metadata()) + repr(err.initial_metadata()))

    def exception(self, site: str, exc: BaseException) -> None:
        self.text(f"{site}: str", str(exc))
        self.text(f"{site}: repr", repr(exc))
        self.text(f"{site}: args", repr(exc.args))
        self.text(f"{site}: traceback", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        self.text(f"{site}: attributes", repr(vars(exc)))

    def emulator(self, site: str, emu: EmulatorHandle) -> None:
        entries = emu.requests()
        self.text(f"{site}: request log", json.dumps(entries, ensure_ascii=False))
        for entry in entries:
            self.text(f"{site}: URL", entry["path"])
            self.text(f"{site}: User-Agent", entry["user_agent"])
        self.text(f"{site}: stderr log", emu.stderr_text())

    def assert_clean(self) -> None:
        assert self.scan() == [], "secrets leaked:\n" + "\n".join(self.leaks)


TALLY: list[Scanner] = []


@pytest.fixture
def scanner() -> Scanner:
    return Scanner()


@pytest.fixture(params=["hmac", "basic"])
def scheme(request: pytest.FixtureRequest) -> str:
    """The provider's agora:authScheme; the emulator accepts that scheme only."""
    return str(request.param)


@pytest.fixture
def secret_emu(scheme: str) -> Iterator[EmulatorHandle]:
    with running_emulator(customer_secret=CUSTOMER_SECRET, auth=scheme) as handle:
        yield handle


@pytest.fixture
def relay(secret_emu: EmulatorHandle) -> Iterator[RecordingForwarder]:
    """The provider's endpoint: records every request's headers, forwards it to the emulator unchanged."""
    with RecordingForwarder(secret_emu.url, lifetime=120) as fwd:
        yield fwd


def config_for(url: str, secret: str = CUSTOMER_SECRET, scheme: str = "hmac") -> dict[str, str]:
    return stack_config(url, **{"agora:customerSecret": secret, "agora:maxRetries": "2", "agora:authScheme": scheme})


@contextmanager
def server_for(url: str, secret: str = CUSTOMER_SECRET, scheme: str = "hmac") -> Iterator[ProviderServer]:
    """A provider process (one Pulumi command) configured for ``url``; its stderr stays readable after."""
    with ProviderServer(env=clean_env()) as srv:
        srv.configure(config_for(url, secret, scheme))
        yield srv


def test_full_lifecycle_leaks_no_secret(
    secret_emu: EmulatorHandle, relay: RecordingForwarder, scheme: str, scanner: Scanner
) -> None:
    emu = secret_emu
    with server_for(relay.url, scheme=scheme) as up:  # `pulumi up`, then `pulumi refresh`, then a failing `pulumi up`
        # check: a valid input, then invalid ones carrying the keys in every wrong way
        response, inputs, failures = check_raw(up, setting_inputs(entryPoint=ENTRY_POINT, storageConfig=keys(1)))
        assert failures == []
        scanner.properties("Check response", struct_to_python(response.inputs))
        for bad in (
            keys(1, bucket="Bad_Bucket", secretKey=f" {SECRETS['secret key 1']} ", accessKey=f"{SECRETS['access key 1']}\n"),
            keys(1, sk=SECRETS["secret key 1"], vendor=9.0),
            SECRETS["secret key 1"],  # the key where the object belongs
        ):
            response, _, failures = check_raw(up, setting_inputs(entryPoint=ENTRY_POINT, storageConfig=bad))
            assert failures
            scanner.text("Check failures", repr(list(response.failures)))
            scanner.properties("Check response (failed)", struct_to_python(response.inputs))

        # create
        id_, outs = up.create(inputs)
        assert id_ == SETTING_ID
        scanner.properties("Create response", outs)
        outs = without_provider(outs)

        # update of the keys: diff, then update
        _, new_inputs, _ = check_raw(up, setting_inputs(entryPoint=ENTRY_POINT, storageConfig=keys(2)), olds=inputs)
        diff = up.diff(SETTING_ID, outs, new_inputs)
        scanner.text("Diff response", str(diff) + diff.SerializeToString().decode("latin-1"))
        updated = up.update(SETTING_ID, outs, new_inputs)
        scanner.properties("Update response", updated)
        updated = without_provider(updated)
        assert stored_setting(emu, ENTRY_POINT)["storageConfig"]["secretKey"] == SECRETS["secret key 2"]

        # refresh
        read_id, read_outs, read_inputs = up.read(SETTING_ID, updated)
        assert read_id == SETTING_ID
        scanner.properties("Read response", read_outs)
        scanner.properties("Read response inputs", read_inputs)

        # failed updates to keys 3: Agora says 400 (injected, and real validation), 401, then the network fails
        _, failing_inputs, _ = check_raw(up, setting_inputs(entryPoint=ENTRY_POINT, storageConfig=keys(3)), olds=updated)
        for site, faults, news in (
            ("failed update 400", [{"status": 400}], failing_inputs),
            ("failed update 400 from validation", [], {**failing_inputs, "snapshotInterval": 3.0}),
            ("failed update 401", [{"status": 401}], failing_inputs),
            ("failed update 500 x3", [{"status": 500}] * 3, failing_inputs),
            ("failed update connection reset", [{"action": "reset"}] * 3, failing_inputs),
        ):
            emu.set_faults(queue=faults)
            with pytest.raises(grpc.RpcError) as err:
                up.update(SETTING_ID, updated, news)
            scanner.rpc_error(site, err.value)
        assert stored_setting(emu, ENTRY_POINT)["storageConfig"]["secretKey"] == SECRETS["secret key 2"]
        emu.set_faults()

        # a delete that rename safety skips: a warning on stderr
        up.delete(SETTING_ID, updated)
        assert "left enabled" in up.stderr_text()
    scanner.text("provider stderr (up/refresh)", up.stderr_text())

    with server_for(relay.url, SECRETS["wrong customer secret"], scheme) as wrong:  # a real 401
        with pytest.raises(grpc.RpcError) as err:
            wrong.update(SETTING_ID, updated, failing_inputs)
        assert "HTTP 401" in err.value.details()
        scanner.rpc_error("failed update with a wrong customer secret", err.value)
    scanner.text("provider stderr (wrong secret)", wrong.stderr_text())

    with server_for(relay.url, scheme=scheme) as destroy:  # `pulumi destroy`
        destroy.delete(SETTING_ID, updated)
    scanner.text("provider stderr (destroy)", destroy.stderr_text())
    assert stored_setting(emu, ENTRY_POINT)["enabled"] is False

    requests = settle(emu, f"/v1/projects/{APP_ID}/fls/entry_points/{ENTRY_POINT}/settings/snapshot/regions/cn", 14)
    assert {r["auth"] for r in requests} == {"ok", "bad"}
    assert {r["auth_scheme"] for r in requests} == {scheme}
    scanner.emulator("emulator", emu)

    # Every credential the provider actually sent is a secret too, in every text above.
    sent = [r.header("Authorization") or "" for r in relay.records()]
    assert len(sent) == len(requests) and all(sent)
    assert {value.partition(" ")[0] for value in sent} == {"hmac" if scheme == "hmac" else "Basic"}
    distinct = scanner.add_authorizations(sent, scheme)
    # HMAC signs each request afresh (Date, request line, body); Basic repeats one value per secret.
    assert distinct >= (5 if scheme == "hmac" else 2)
    print(f"\n{scheme}: {len(sent)} requests, {distinct} distinct Authorization values scanned for")
    scanner.assert_clean()


def test_configured_provider_state_is_never_pickled(scanner: Scanner) -> None:
    """The provider holds nothing: even after configure() with secrets, its pickle carries none."""
    from pulumi.dynamic import Config, ConfigureRequest
    from pulumi.dynamic.dynamic import serialize_provider

    provider = SnapshotSettingProvider()
    raw = {"agora:customerId": "id", "agora:customerSecret": CUSTOMER_SECRET, "agora:endpoint": "http://127.0.0.1:9"}
    provider.configure(ConfigureRequest(Config(raw_config=raw, project_name="p")))
    provider._client()  # builds the client (and its session, which holds the credentials)
    scanner.provider_blob("__provider of a configured provider", serialize_provider(provider))
    scanner.text("ClientConfig repr", repr(ClientConfig("id", CUSTOMER_SECRET)))
    scanner.assert_clean()


# --- a hostile "Agora" that echoes everything it got back in its errors ------------------------------------


class EchoHandler(StandInHandler):
    """Answers every request with an error that quotes what it was sent: the body (whole, and its first 200
    bytes), the ``Authorization`` value (raw, and for Basic decoded to ``id:secret``), with a storage secret
    straddling the client's 500-character cut; the request id is the customer secret (Basic) or the HMAC
    signature. ``text_plain``: the same as a ``text/plain`` answer, which the client cannot parse. The worst an
    endpoint, proxy or gateway could echo. Every ``Authorization`` value received is kept in ``received``."""

    status = 400
    text_plain = False
    received: list[str] = []
    timeout = 10.0

    def _echo(self) -> None:
        body = self.request_body(limit=65536)
        authorization = self.headers.get("Authorization", "")
        self.received.append(authorization)
        scheme, _, credential = authorization.partition(" ")
        decoded = base64.b64decode(credential).decode("latin-1") if scheme == "Basic" else authorization
        secret = json.loads(body).get("storageConfig", {}).get("secretKey", "") if body else ""
        message = ("x" * (500 - len(secret) // 2) + secret + f" first200={body[:200]} body={body} "
                   f"auth={authorization} decoded={decoded}")
        if self.text_plain:
            payload, content_type = message.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps({"message": message}).encode(), "application/json"
        request_id = decoded.partition(":")[2] if scheme == "Basic" else credential_part(authorization)
        self.answer(self.status, payload, {"Content-Type": content_type, "X-Request-Id": request_id})

    do_GET = do_PATCH = _echo  # noqa: N815


@pytest.fixture(params=[(400, False), (401, False), (500, False), (500, True)],
                ids=lambda p: f"echo-{p[0]}{'-text' if p[1] else '-json'}")
def echo_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str], int]]:
    """A hostile server on 127.0.0.1 (bounded: per-connection timeout, stopped after the test): its URL and
    the ``Authorization`` values it received."""
    status, text_plain = request.param
    received: list[str] = []
    handler = type("Echo", (EchoHandler,), {"status": status, "text_plain": text_plain, "received": received})
    with stand_in(handler) as url:
        yield url, received, status


def test_errors_redact_whatever_agora_echoes(echo_server: tuple[str, list[str], int], scanner: Scanner) -> None:
    echo_url, received, status = echo_server
    body = {"enabled": True, "storageConfig": keys(1, vendor=2, region=3)}
    identity = SettingIdentity(APP_ID, "live", "cn")
    for auth_scheme in ("basic", "hmac"):
        client = AgoraClient(ClientConfig("id", CUSTOMER_SECRET, endpoint=echo_url, max_retries=1,
                                          backoff_factor=0.01, backoff_jitter=0, auth_scheme=auth_scheme))
        for method in ("PATCH", "GET"):
            error: Optional[AgoraError] = None
            try:
                if method == "PATCH":
                    client.patch_setting(identity, body)
                else:
                    client.get_setting(identity)
            except AgoraError as exc:
                error = exc
            assert error is not None
            assert f"HTTP {status}" in str(error)
            scanner.exception(f"client error ({auth_scheme}) from {echo_url}", error)
            assert "[redacted]" in str(error)  # the echoed request id; what Agora said is dropped or redacted
        client.close()

    with server_for(echo_url) as srv:  # the provider, signing with HMAC
        inputs = without_provider(srv.check(setting_inputs(entryPoint="echo", storageConfig=keys(1)))[0])
        with pytest.raises(grpc.RpcError) as err:
            srv.create(inputs)
        scanner.rpc_error("create against an echoing endpoint", err.value)
    scanner.text("provider stderr (echoing endpoint)", srv.stderr_text())

    # Whatever the server received is secret: every Authorization value whole, and every 8-character piece of
    # it that holds any character of the signature or Basic token (``signature="AbC1`` too). The rest is the
    # scheme's public boilerplate (``algorithm="hmac-sha256", headers="host date request-line digest"``).
    assert {value.partition(" ")[0] for value in received} == {"Basic", "hmac"}
    scanner.add_authorizations(received, "echoed")
    for i, value in enumerate(sorted(set(received))):
        at = value.rindex(credential_part(value))
        scanner.add_secret(f"echoed Authorization value #{i} (pieces)", value[max(0, at - (WINDOW - 1)):])
    scanner.assert_clean()


def test_the_scanner_finds_a_cut_signature() -> None:
    """The scan itself: a 9-character cut of a signature learned after the text was captured is found."""
    scan = Scanner()
    TALLY.remove(scan)
    authorization = 'hmac username="id", algorithm="hmac-sha256", headers="h", signature="q1W2e3R4t5Y6u7I8o9P0aSdF="'
    scan.text("a message", "upstream said: ...e3R4t5Y6u... (truncated)")
    scan.text("the scheme's words", 'algorithm="hmac-sha256", headers="host date request-line digest"')
    scan.add_authorizations([authorization], "test")
    assert [leak.split(" in ")[1].split(":")[0] for leak in scan.scan()] == ["a message"]


KINDS = (
    "__provider", "Check failures", "Check response", "Diff response", "Create response", "Update response",
    "Read response", "gRPC error", "provider stderr", "client error", "request log", "URL", "User-Agent",
    "stderr log", "ClientConfig repr",
)


def test_the_scan_looked_everywhere() -> None:
    """Runs last in this module: the scan covered every kind of site and found nothing."""
    sites = [site for scan in TALLY for site in scan.sites]
    leaks = [leak for scan in TALLY for leak in scan.leaks]
    kinds = Counter(next((kind for kind in KINDS if kind in site), "other") for site in sites)
    looked_for = {value: name for scan in TALLY for table in (scan.secrets, scan.whole_only)
                  for name, value in table.items()}
    authorizations = sum(1 for name in looked_for.values() if "Authorization value #" in name and "pieces" not in name)
    credentials = sum(1 for name in looked_for.values() if "credential #" in name)
    print(f"\nsecret-leak scan: {len(sites)} sites scanned, {len(leaks)} leaks; {len(looked_for)} distinct secrets "
          f"looked for ({len(SECRETS)} configured, {authorizations} Authorization values sent, {credentials} "
          f"signatures and Basic tokens in them); by kind: {dict(kinds)}")
    assert len(TALLY) >= 7, "run the whole module"
    assert set(kinds) == set(KINDS)
    assert leaks == []
