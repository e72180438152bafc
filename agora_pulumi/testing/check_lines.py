"""The lines the engine prints for a provider's check failures, rendered as the engine renders them, so tests
assert what a user reads in ``pulumi preview`` rather than the protocol's ``(property, reason)`` pairs.

The engine's two templates (pulumi/pulumi, sdk/go/common/diag/errors.go, codes 2003 and 2002), filled in by
``issueCheckFailures`` in pkg/resource/deploy/step_generator.go with ``inputs[failure.Property]``, the
*top-level* input of that name as the program sent it::

    %v resource '%v': property %v value %v has a problem: %v
    %v resource '%v' has a problem: %v

The value is Go's ``PropertyValue.String()``: ``{<Go %v of the value>}``, so a missing or null input shows
as ``{<nil>}`` and a secret as ``{&{{<plaintext>}}}`` (it is not redacted).
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping

from pulumi.runtime import rpc

from ..unknowns import is_unknown

__all__ = ["NIL", "engine_line", "engine_lines", "go_value", "said"]

PROPERTY_TEMPLATE = "%v resource '%v': property %v value %v has a problem: %v"
RESOURCE_TEMPLATE = "%v resource '%v' has a problem: %v"
ANY_TYPE = "agora:fls:SnapshotSetting"
"""The type token a line names when a test does not care which."""
NIL = "{<nil>}"
"""What the engine prints for a property the inputs do not hold."""


def _go(value: Any) -> str:
    """Go's ``%v`` of a property value's payload (``PropertyValue.V``)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "+Inf" if number > 0 else "-Inf"
        if number.is_integer() and abs(number) < 1e21:  # Go's %v of a float64 (shortest %g, exponent from 21)
            return str(int(number))
        return repr(number)  # as Go's: 0.5, 1e-05, 1e+21
    if isinstance(value, Mapping):
        if rpc.is_rpc_secret(value):
            return f"&{{{go_value(rpc.unwrap_rpc_secret(value))}}}"  # *Secret{Element}: not redacted
        return "map[" + " ".join(f"{k}:{go_value(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    return str(value)


def go_value(value: Any) -> str:
    """``PropertyValue.String()``: an unknown as ``<type>{}``, anything else as ``{<payload>}``."""
    if isinstance(value, str) and is_unknown(value):
        return "output<string>{}"
    return "{" + _go(value) + "}"


def engine_line(type_token: str, name: str, inputs: Mapping[str, Any], prop: str, reason: str) -> str:
    """The line the engine prints for one failure of a resource whose Check got ``inputs``."""
    if prop:
        value = go_value(inputs[prop]) if prop in inputs else NIL
        return PROPERTY_TEMPLATE.replace("%v", "{}").format(type_token, name, prop, value, reason)
    return RESOURCE_TEMPLATE.replace("%v", "{}").format(type_token, name, reason)


def engine_lines(
    inputs: Mapping[str, Any], failures: Iterable[tuple[str, str]], type_token: str = ANY_TYPE, name: str = "s"
) -> list[str]:
    return [engine_line(type_token, name, inputs, prop, reason) for prop, reason in failures]


_PROPERTY_LINE = re.compile(r"^\S+ resource '[^']*': property (?P<prop>\S+) value (?P<value>.*?) has a problem: (?P<reason>.*)$", re.S)
_RESOURCE_LINE = re.compile(r"^\S+ resource '[^']*' has a problem: (?P<reason>.*)$", re.S)
_PATH = re.compile(r'^(?P<path>settings\[(?:"[^"]*"|\d+)\](?:\.\w+)*|\S+) (?P<rest>.*)$', re.S)


def said(inputs: Mapping[str, Any], failures: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{property path: what the line says is wrong with it}``, read back from the lines the engine prints
    for ``failures`` (see :func:`engine_line`); refuses a line that shows ``{<nil>}`` or names no property.

    ``property region value {mars} has a problem: must be …`` reads as ``{"region": "must be …"}``, and
    ``has a problem: storageConfig.vendor must be …`` as ``{"storageConfig.vendor": "must be …"}``.
    """
    out: dict[str, str] = {}
    for line in engine_lines(inputs, failures):
        named = _PROPERTY_LINE.match(line)
        if named:
            assert named["value"] != NIL, f"the engine would print {NIL}: {line}"
            out[named["prop"]] = named["reason"]
            continue
        whole = _RESOURCE_LINE.match(line)
        assert whole, line
        reason = whole["reason"]
        known = [p for p in _paths(inputs) if reason.startswith(f"{p} ")]
        if known:
            path = max(known, key=len)
            out[path] = reason[len(path) + 1:]
            continue
        parsed = _PATH.match(reason)
        assert parsed, f"the line names no property: {line}"
        out[parsed["path"]] = parsed["rest"]
    return out


def _paths(inputs: Mapping[str, Any]) -> Iterable[str]:
    """The paths the inputs hold, whatever characters their keys have (``storageConfig.my key``)."""
    for key, value in inputs.items():
        yield key
        if isinstance(value, Mapping) and not rpc.is_rpc_secret(value):
            yield from (f"{key}.{sub}" for sub in value)
