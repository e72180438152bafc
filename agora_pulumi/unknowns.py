"""Pulumi's "not known yet" (a preview value that depends on another resource), as both engine protocols
deliver it: the SDK's ``Unknown`` object, or the engine's sentinel string (the native provider interface
hands that string over as it is). The model takes this predicate as a parameter and never imports Pulumi."""

from __future__ import annotations

from typing import Any

from pulumi.output import Unknown
from pulumi.runtime import rpc

UNKNOWN: str = rpc.UNKNOWN
"""The engine's sentinel string for an unknown value."""


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)
