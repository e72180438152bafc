"""One exception hierarchy for everything that can go wrong talking to Agora.

Callers catch :class:`AgoraError` (or one subclass) and get a message that already says what happened and
what to do; the attributes (``status``, ``request_id``, ``agora_message``) are there for code that wants to
decide by itself. Which class an HTTP status becomes is decided in one table, :data:`STATUS_ERRORS`, so the
mapping can be read and tested in one place (the hvac pattern).

No message built here ever contains a credential: Agora's own message is passed through :func:`redact`
with every secret the request carried before it is stored.
"""

from __future__ import annotations

import base64
import json
from typing import Iterable, Mapping, Optional, Sequence
from urllib.parse import quote

REDACTED = "[redacted]"

PIECE = 8
"""Length of the shortest piece of a secret that must never appear in an error or a log."""


def redact(text: str, secrets: Iterable[Optional[str]]) -> str:
    """Replace every occurrence of each (non-trivial) secret in ``text``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _encodings(secret: str) -> set[str]:
    """The spellings a secret can take when a server echoes a request: as is, JSON-escaped, percent-encoded,
    base64 (Basic auth carries ``id:secret`` that way; its whole header value is passed in as a secret too)
    and hex."""
    raw = secret.encode("utf-8", "surrogatepass")
    return {
        secret,
        json.dumps(secret)[1:-1],
        quote(secret, safe=""),
        base64.b64encode(raw).decode("ascii"),
        raw.hex(),
    }


def leaks_secret(text: str, secrets: Sequence[Optional[str]]) -> bool:
    """Whether ``text`` holds any :data:`PIECE`-character piece of a secret in any known encoding (or the whole
    of a shorter one). Used to drop a server's text outright rather than trust redaction of what it echoed."""
    pieces: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < 4:
            continue
        for spelled in _encodings(secret):
            if len(spelled) < PIECE:
                if spelled in text:
                    return True
                continue
            pieces.update(spelled[i : i + PIECE] for i in range(len(spelled) - PIECE + 1))
    return any(text[i : i + PIECE] in pieces for i in range(len(text) - PIECE + 1))


MAYBE_APPLIED = (
    "Agora may have applied the change: an attempt's answer was lost after the request was sent. Running the "
    "command again is safe (the request sets absolute values), but a delayed request can still land later: run "
    "`pulumi refresh` to see what Agora holds."
)
"""Said by every error of a write whose outcome is unknown for any of its attempts (a timeout or a lost
connection after sending), whatever the last attempt's answer was."""


class AgoraError(Exception):
    """Base of every error this package raises about Agora or its configuration."""


class ConfigurationError(AgoraError):
    """The provider configuration (stack config or environment) is missing or invalid."""


class TransportError(AgoraError):
    """Agora could not be reached, or did not answer in time, after all retries."""


class APIError(AgoraError):
    """Agora answered with a status other than 200, or with a body that cannot be read.

    ``hint`` is the advice for the user, chosen by status; subclasses override it.
    """

    hint = "Check the request against Agora's FLS snapshot API doc."
    hint_if_maybe_applied: Optional[str] = None
    """The advice when an attempt may have applied the change, if ``hint`` would then be wrong."""

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int,
        request_id: Optional[str] = None,
        agora_message: Optional[str] = None,
        attempts: int = 1,
        endpoints: Sequence[str] = (),
        note: Optional[str] = None,
        maybe_applied: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.request_id = request_id
        self.agora_message = agora_message
        self.attempts = attempts
        self.endpoints = tuple(endpoints)
        self.note = note
        self.maybe_applied = maybe_applied
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"Agora answered {self.method} {self.path} with HTTP {self.status}"]
        if self.agora_message:
            parts.append(f": {self.agora_message}")
        if self.request_id:
            parts.append(f" (request id {self.request_id})")
        if self.attempts > 1:
            parts.append(f" after {self.attempts} attempts")
        if self.endpoints:
            parts.append(f" (endpoint{'s' if len(self.endpoints) > 1 else ''} tried: {', '.join(self.endpoints)})")
        parts.append(".")
        if self.note:
            parts.append(f" {self.note}")
        if self.maybe_applied:
            parts.append(f" {MAYBE_APPLIED}")
        parts.append(f" {(self.maybe_applied and self.hint_if_maybe_applied) or self.hint}")
        return "".join(parts)


class BadRequestError(APIError):
    hint = (
        "Agora rejected a parameter: fix the resource's inputs (appId, entryPoint, region, storageConfig) "
        "as the message says."
    )


class AuthenticationError(APIError):
    hint = (
        "Agora refused the credentials. Set them with `pulumi config set agora:customerId <id>` and "
        "`pulumi config set --secret agora:customerSecret` (it prompts for the value), or AGORA_CUSTOMER_ID / "
        "AGORA_CUSTOMER_SECRET. Already corrected? `pulumi refresh` and `pulumi destroy` use the provider "
        "configuration recorded in the state by the last `pulumi up`, not the stack's current one: run "
        "`pulumi up` first, or `pulumi refresh --run-program` / `pulumi destroy --run-program`."
    )


def auth_scheme_note(scheme: str) -> str:
    """A 401 from an API that takes only the other scheme looks like wrong credentials: name the scheme."""
    other = "basic" if scheme == "hmac" else "hmac"
    signed = "signed with HMAC-SHA256" if scheme == "hmac" else "sent with Basic auth"
    return (
        f"The request was {signed} (agora:authScheme {scheme}); if this API takes {other} only, "
        f"`pulumi config set agora:authScheme {other}`."
    )


class PermissionDeniedError(APIError):
    hint = "These credentials may not manage this project: check the customer ID's permissions in Agora."


class NotFoundError(APIError):
    hint = (
        "The entry point does not exist in this Agora project: create it in the Agora console first, "
        "or fix appId / entryPoint."
    )


class RateLimitedError(APIError):
    hint = (
        "Agora kept throttling the requests: wait and run the command again, or raise agora:maxRetries."
    )


class ServerError(APIError):
    hint = (
        "Agora kept failing; nothing was changed by the failed call as far as Pulumi knows. Run the command "
        "again later (raise agora:maxRetries or agora:timeoutSeconds to wait longer)."
    )
    hint_if_maybe_applied = (
        "Agora kept failing: run the command again later (raise agora:maxRetries or agora:timeoutSeconds to "
        "wait longer)."
    )


class InvalidResponseError(APIError):
    hint = (
        "The answer is not Agora's JSON: check that agora:endpoint points at Agora (no proxy or captive "
        "portal in between) and run the command again."
    )


STATUS_ERRORS: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitedError,
}


def error_class_for(status: int) -> type[APIError]:
    """The exception class for a non-200 status: the table first, then 5xx, then the base class."""
    if status in STATUS_ERRORS:
        return STATUS_ERRORS[status]
    if 500 <= status <= 599:
        return ServerError
    return APIError
