"""How a check failure is handed to the engine, so the line a user reads names the property and the fix, and
shows neither ``<nil>`` nor a secret.

The engine prints a failure that has a property as
``<type> resource '<name>': property <property> value <inputs[property]> has a problem: <reason>``, looking
the property up as a *top-level key* of the inputs the program registered, and one without a property as
``<type> resource '<name>' has a problem: <reason>`` (pulumi/pulumi, pkg/resource/deploy/step_generator.go,
``issueCheckFailures``; the templates are diag codes 2003 and 2002). So a nested path
(``storageConfig.vendor``, ``settings["…"].region``) or a key the program left out prints ``value {<nil>}``,
and a value is printed as the engine holds it: a secret in plaintext (``PropertyValue.String`` does not
redact), and for the dynamic provider even one the provider never saw as secret (the SDK's dynamic provider
does not accept secrets, so it cannot tell).

The rule, for both front ends: no failure goes with a property; the path heads the reason instead
(``storageConfig.vendor must be one of …; got 17``, ``appId is required: set it …``). The reasons already show
the offending value where that helps (:func:`rules.got`), so the engine's echo added nothing but those two
faults. And every value that came in secret (the native provider knows which; the dynamic one cannot) is
withheld from the reason: ``got a secret value``, ``(a secret value)`` where an identifier rule quotes it, and
``[redacted]`` wherever else it appears (a set member's key holds its App ID).

Pure data: no Pulumi (a front end says which values are secret).
"""

from __future__ import annotations

import json
import re
from typing import Any, Collection

from . import rules
from .errors import redact
from .model import Failure

__all__ = ["SECRET_SHOWN", "for_engine"]

SECRET_SHOWN = "got a secret value"
"""What a reason says instead of a secret value it would otherwise show."""

SECRET_QUOTED = "(a secret value)"
"""What a reason says instead of a secret string an identifier rule quotes."""


def for_engine(failure: Failure, secret_values: Collection[Any] = ()) -> Failure:
    """``failure`` as the engine should get it: no property, the path at the head of the reason, and none of
    ``secret_values`` (the plain values that came in secret) in it."""
    reason = f"{failure.property} {failure.reason}" if failure.property else failure.reason
    return Failure("", _withhold(reason, secret_values))


def _withhold(text: str, secret_values: Collection[Any]) -> str:
    for value in sorted(secret_values, key=lambda v: len(str(v)), reverse=True):
        if value is None:
            continue
        shown = re.escape(rules.got(value))
        text = re.sub(shown + r"(?![\w.])", SECRET_SHOWN, text)  # "got 3" is not "got 30"
        if isinstance(value, str) and value:
            text = text.replace(json.dumps(value), SECRET_QUOTED)
            text = redact(text, [value])
    return text
