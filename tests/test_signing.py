"""HTTP HMAC-SHA256 and Basic auth against known answers.

The expected digests and signatures were computed by hand with ``openssl dgst`` (``-sha256 -binary`` and
``-hmac``) and ``base64``, not with the code under test, so a shared mistake cannot make both agree.
"""

from __future__ import annotations

import pytest

from agora_pulumi.signing import (
    basic_authorization,
    body_digest,
    hmac_headers,
    host_header,
    http_date,
    signing_string,
)

CUSTOMER_ID = "kat-customer-id"
CUSTOMER_SECRET = "kat-customer-secret"
HOST = "api.agora.io"
DATE = "Wed, 02 Dec 2026 09:30:00 GMT"
PATH = "/v1/projects/0123456789abcdef/fls/entry_points/live/settings/snapshot/regions/cn"
BODY = b'{"enabled":true,"snapshotInterval":30,"enableModeration":false}'

PATCH_DIGEST = "SHA-256=LHa6q1GNHLGvPG1DFhuctcUxLq21Jc+L++ngJB3hKpI="
PATCH_SIGNATURE = "GjbvQ9wAr5eXqBaLHb6BypGHb1s34DOrVu6S7iX4Pn0="
EMPTY_DIGEST = "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
GET_SIGNATURE = "oLzosU/5OTVFSXaytSwGXk08cRowgxQKP9S62CjFepc="


def test_http_date_is_rfc7231_gmt() -> None:
    # `date -u -d @1796203800` → Wed Dec  2 09:30:00 UTC 2026
    assert http_date(1796203800) == DATE
    assert http_date(1796203800.999) == DATE


def test_body_digest_known_answers() -> None:
    assert body_digest(BODY) == PATCH_DIGEST
    assert body_digest(b"") == EMPTY_DIGEST


def test_signing_string_layout() -> None:
    text = signing_string(HOST, DATE, "patch", PATH + "?a=1", PATCH_DIGEST)
    assert text == (
        f"host: api.agora.io\ndate: {DATE}\nPATCH {PATH}?a=1 HTTP/1.1\ndigest: {PATCH_DIGEST}"
    )
    assert not text.endswith("\n")


def test_patch_known_answer() -> None:
    headers = hmac_headers(
        customer_id=CUSTOMER_ID,
        customer_secret=CUSTOMER_SECRET,
        method="PATCH",
        host=HOST,
        path=PATH,
        body=BODY,
        date=DATE,
    )
    assert headers == {
        "Date": DATE,
        "Digest": PATCH_DIGEST,
        "Authorization": (
            'hmac username="kat-customer-id", algorithm="hmac-sha256", '
            'headers="host date request-line digest", '
            'signature="GjbvQ9wAr5eXqBaLHb6BypGHb1s34DOrVu6S7iX4Pn0="'
        ),
    }
    assert PATCH_SIGNATURE in headers["Authorization"]


def test_get_known_answer() -> None:
    headers = hmac_headers(
        customer_id=CUSTOMER_ID,
        customer_secret=CUSTOMER_SECRET,
        method="GET",
        host=HOST,
        path=PATH,
        body=b"",
        date=DATE,
    )
    assert headers["Digest"] == EMPTY_DIGEST
    assert headers["Authorization"] == (
        'hmac username="kat-customer-id", algorithm="hmac-sha256", '
        'headers="host date request-line digest", '
        'signature="oLzosU/5OTVFSXaytSwGXk08cRowgxQKP9S62CjFepc="'
    )
    assert GET_SIGNATURE in headers["Authorization"]


def _authorization(host: str = HOST, date: str = DATE, method: str = "PATCH", path: str = PATH,
                   body: bytes = BODY, secret: str = CUSTOMER_SECRET) -> str:
    return hmac_headers(customer_id=CUSTOMER_ID, customer_secret=secret, method=method, host=host,
                        path=path, body=body, date=date)["Authorization"]


def test_signature_covers_every_signed_part() -> None:
    reference = _authorization()
    assert PATCH_SIGNATURE in reference
    assert _authorization(host="api.sd-rtn.com") != reference
    assert _authorization(date="Wed, 02 Dec 2026 09:30:01 GMT") != reference
    assert _authorization(method="PUT") != reference
    assert _authorization(path=PATH + "?x=1") != reference
    assert _authorization(body=BODY + b" ") != reference
    assert _authorization(secret="other") != reference


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.agora.io/v1/x", "api.agora.io"),
        ("https://api.agora.io:443/v1/x", "api.agora.io"),
        ("https://API.Agora.IO/v1/x", "api.agora.io"),
        ("http://127.0.0.1:80/", "127.0.0.1"),
        ("http://127.0.0.1:8080/", "127.0.0.1:8080"),
        ("https://api.agora.io:80/", "api.agora.io:80"),
        ("http://localhost:443/", "localhost:443"),
        ("https://[::1]/v1", "[::1]"),
        ("http://[::1]:8443/v1", "[::1]:8443"),
        ("https://[2001:DB8::1]:443/", "[2001:db8::1]"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
    ],
)
def test_host_header(url: str, expected: str) -> None:
    assert host_header(url) == expected


def test_host_header_needs_a_host() -> None:
    with pytest.raises(ValueError, match="no host"):
        host_header("/v1/projects")


def test_utf8_secret_is_the_hmac_key() -> None:
    # Any secret is usable: the reference keys the HMAC with its UTF-8 bytes.
    headers = hmac_headers(customer_id=CUSTOMER_ID, customer_secret="sécret-密钥", method="GET", host=HOST,
                           path=PATH, body=b"", date=DATE)
    assert headers["Authorization"].startswith('hmac username="kat-customer-id"')
    headers["Authorization"].encode("latin-1")


@pytest.mark.parametrize("customer_id", ["客户", "id-\u2013-dash", "id\r\nX-Injected: 1", 'id"quote', "back\\slash"])
def test_customer_id_that_cannot_be_sent_names_the_config_key(customer_id: str) -> None:
    with pytest.raises(ValueError, match="agora:customerId"):
        hmac_headers(customer_id=customer_id, customer_secret=CUSTOMER_SECRET, method="GET", host=HOST,
                     path=PATH, body=b"", date=DATE)


def test_latin1_customer_id_is_sent_as_is() -> None:
    headers = hmac_headers(customer_id="café", customer_secret=CUSTOMER_SECRET, method="GET", host=HOST,
                           path=PATH, body=b"", date=DATE)
    assert headers["Authorization"].startswith('hmac username="café"')


def test_basic_authorization() -> None:
    # printf 'kat-customer-id:kat-customer-secret' | base64
    assert basic_authorization(CUSTOMER_ID, CUSTOMER_SECRET) == (
        "Basic a2F0LWN1c3RvbWVyLWlkOmthdC1jdXN0b21lci1zZWNyZXQ="
    )


def test_basic_authorization_matches_requests_latin1() -> None:
    # requests encodes session.auth as Latin-1: "é" is one byte (0xE9), not UTF-8's two.
    # printf 'caf\xe9:s' | base64
    assert basic_authorization("café", "s") == "Basic Y2Fm6Tpz"


def test_basic_authorization_refuses_non_latin1() -> None:
    with pytest.raises(ValueError, match="agora:customerId"):
        basic_authorization("客户", CUSTOMER_SECRET)
    with pytest.raises(ValueError, match="agora:customerSecret"):
        basic_authorization(CUSTOMER_ID, "密钥")
    with pytest.raises(ValueError, match="agora:customerId.*colon"):
        basic_authorization("a:b", CUSTOMER_SECRET)
