"""How a check failure is handed to the engine, so the line a user reads names the property and the fix, and
shows neither ``<nil>`` nor a value the reason keeps back.

The engine prints a failure that has a property as
``<type> resource '<name>': property <property> value <inputs[property]> has a problem: <reason>``, looking
the property up as a *top-level key* of the inputs it sent to Check, and one without a property as
``<type> resource '<name>' has a problem: <reason>`` (pulumi/pulumi, pkg/resource/deploy/step_generator.go,
``issueCheckFailures``; the templates are diag codes 2003 and 2002). So a nested path
(``storageConfig.vendor``, ``settings["…"].region``) or a key the program left out prints ``value {<nil>}``,
and the value is printed as the engine holds it, a secret in plaintext (``PropertyValue.String`` does not
redact).

The rule, for both front ends: the property is kept only where the engine's echo repeats what the reason
already shows, i.e. the property is a top-level input holding a plain, non-secret scalar that the reason
shows with :func:`rules.got`. Anything else (a nested path, a missing or null key, an unknown key, a value the
reason describes only by its length or type, a secret) goes with no property and the path at the head of the
reason: ``storageConfig.vendor must be one of …``, ``appId is required: set it (app_id in Python) to …``. A secret top-level
value is also taken out of the reason (``got a secret value``).

Pure data: no Pulumi (a front end says which top-level inputs are secret).
"""

from __future__ import annotations

import json
from typing import Any, Collection, Mapping

from . import rules
from .model import Failure

__all__ = ["SECRET_SHOWN", "for_engine"]

SECRET_SHOWN = "got a secret value"
"""What a reason says instead of a secret top-level value it would otherwise show."""

_SCALARS = (str, int, float, bool)


def for_engine(failure: Failure, inputs: Mapping[str, Any], secret: Collection[str] = ()) -> Failure:
    """``failure`` as the engine should get it: ``inputs`` are the inputs the engine sent to Check (what the
    program wrote, before any normalising) and ``secret`` the top-level keys among them that are secret."""
    key = failure.property
    if not key:
        return failure
    value = inputs.get(key)
    shown = rules.got(value)
    if key not in inputs or not isinstance(value, _SCALARS):
        return Failure("", f"{key} {failure.reason}")
    if key in secret:
        hidden = failure.reason.replace(shown, SECRET_SHOWN)
        if isinstance(value, str) and value:
            hidden = hidden.replace(json.dumps(value), "(a secret value)")  # the identifier rules quote it
        return Failure("", f"{key} {hidden}")
    return failure if shown in failure.reason else Failure("", f"{key} {failure.reason}")
