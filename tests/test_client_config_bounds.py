"""Issue 20 items 8 and 9: numeric settings that would hang for years or overflow are refused, naming the key.

Each value below used to be accepted by the configuration: ``1e-9`` requests per second made the second request
wait 32 years, silently; ``1e19`` and the ``1e300`` timeouts ended in a bare ``OverflowError`` at the first call.
"""

from __future__ import annotations

import pytest

from agora_pulumi.client import AgoraClient
from agora_pulumi.client_config import MIN_REQUESTS_PER_SECOND, ClientConfig
from agora_pulumi.errors import ConfigurationError

BASE = {"agora:customerId": "id", "agora:customerSecret": "secret", "agora:endpoint": "http://127.0.0.1:9"}


def configured(key: str, value: str) -> ClientConfig:
    values = {**BASE, key: value}
    return ClientConfig.from_sources(values.get, {})


@pytest.mark.parametrize("value", ["1e-9", "1e-6", "0.05", "0"])
def test_a_rate_below_the_minimum_is_refused_naming_the_key_and_the_minimum(value: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        configured("agora:maxRequestsPerSecond", value)
    message = str(err.value)
    assert "agora:maxRequestsPerSecond" in message and f">= {MIN_REQUESTS_PER_SECOND:g}" in message
    assert "one request every 10 s" in message


def test_the_minimum_rate_itself_is_accepted_and_usable() -> None:
    config = configured("agora:maxRequestsPerSecond", str(MIN_REQUESTS_PER_SECOND))
    AgoraClient(config).close()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("agora:maxRequestsPerSecond", "1e19"),
        ("agora:maxRequestsPerSecond", "1e300"),
        ("agora:timeoutSeconds", "1e300"),
        ("agora:connectTimeoutSeconds", "1e300"),
        ("agora:maxRetries", "1e300"),
        ("agora:retryBackoffSeconds", "1e300"),
        ("agora:retryJitterSeconds", "1e300"),
        ("agora:maxRetryAfterSeconds", "1e300"),
    ],
)
def test_a_huge_number_is_refused_naming_the_key(key: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        configured(key, value)
    assert key in str(err.value) and "at most" in str(err.value)


@pytest.mark.parametrize(
    "field", ["max_requests_per_second", "read_timeout", "connect_timeout", "max_retries", "max_retry_after"]
)
def test_a_huge_number_given_in_code_is_refused_too(field: str) -> None:
    with pytest.raises(ConfigurationError, match="at most"):
        ClientConfig("id", "secret", **{field: 10**300})  # type: ignore[arg-type]


def test_the_largest_values_still_build_a_client() -> None:
    config = ClientConfig(
        "id", "secret", endpoint="http://127.0.0.1:9", max_requests_per_second=1_000_000, read_timeout=3600,
        connect_timeout=3600, max_retries=20, max_retry_after=3600, backoff_factor=3600, backoff_jitter=3600,
    )
    AgoraClient(config).close()
