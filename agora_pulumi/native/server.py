"""The native provider's gRPC server: the SDK's experimental server, with errors that end in one line.

The experimental server wraps every handler so that an error reaches the user as ``Unexpected <class
'Exception'>: <message>`` followed by a Python traceback with the provider's venv paths. For the errors
this package raises on purpose (every :class:`~agora_pulumi.errors.AgoraError`: a refused request, a
configuration key to fix, an id of the wrong shape) that noise hides the message, so they are answered
as the gRPC status's own message instead. Anything else is a bug of ours: its traceback goes to stderr
(``pulumi -v`` shows it) and the user gets one line saying so.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Callable

import grpc
from pulumi.provider.experimental.server import ProviderServicer

from ..errors import AgoraError

SHAPED_METHODS: tuple[str, ...] = (
    "GetSchema", "CheckConfig", "Configure", "Check", "Diff", "Create", "Read", "Update", "Delete", "Invoke",
)


def _original(exc: BaseException) -> BaseException:
    """The experimental server re-raises ``Exception(f"{e}:\\n{stack}")`` inside ``except``: ``e`` is its
    context."""
    seen = exc
    while seen.__context__ is not None and type(seen) is Exception:
        seen = seen.__context__
    return seen


def one_line_error(exc: BaseException) -> str:
    """What the user reads: an AgoraError's own message; anything else named as a provider bug."""
    original = _original(exc)
    if isinstance(original, AgoraError):
        return str(original)
    return (
        f"agora provider internal error: {type(original).__name__}: {' '.join(str(original).split())[:300]} "
        "(a bug: please report it with the output of `pulumi up -v=9`)"
    )


def _shaped(name: str) -> Callable[..., Any]:
    async def method(self: ProviderServicer, request: Any, context: Any) -> Any:
        try:
            return await getattr(super(ShapedServicer, self), name)(request, context)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - every error is answered as one line
            original = _original(exc)
            if not isinstance(original, AgoraError):
                traceback.print_exception(type(original), original, original.__traceback__, file=sys.stderr)
            await context.abort(grpc.StatusCode.UNKNOWN, one_line_error(exc))

    method.__name__ = name
    return method


class ShapedServicer(ProviderServicer):
    """``ProviderServicer`` whose handlers answer errors as one clear line."""


for _name in SHAPED_METHODS:
    setattr(ShapedServicer, _name, _shaped(_name))
