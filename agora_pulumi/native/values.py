"""Between the native provider interface's ``PropertyValue`` trees and the plain values the core takes.

The core (model, rules, operations) works on plain JSON-like values and recognises the engine's unknown
sentinel string itself, so going in is a matter of unwrapping secrets (and remembering where they were).
Coming out, three defects of ``pulumi.provider.experimental`` (pulumi 3.259-3.272) shape the code:

* ``PropertyValue`` takes floats only, so whole numbers go out as floats (the engine's numbers are floats);
* an unknown must go out as the engine's sentinel string: ``Computed`` does not marshal;
* a top-level ``None`` is left out, as the dynamic provider's serializer does;
* the storage keys are marked secret wherever they appear, and so is any value that came in secret, so a
  key passed as a plain string in a YAML program is still ciphertext in state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue

from ..names import SECRET_STORAGE_FIELDS
from ..unknowns import UNKNOWN

Path = tuple[str, ...]


def plain(value: PropertyValue) -> Any:
    """The plain value: secrets unwrapped, an unknown as the engine's sentinel string."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [plain(v) for v in inner]
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def secret_paths(values: Mapping[str, PropertyValue], prefix: Path = ()) -> set[Path]:
    """Where secrets came in: the paths of every value marked secret (a secret object or list counts whole;
    a list element's path segment is its index)."""
    found: set[Path] = set()
    for key, value in values.items():
        path = (*prefix, key)
        inner = value.value
        if value.is_secret:
            found.add(path)
        elif isinstance(inner, Mapping):
            found |= secret_paths(inner, path)
        elif isinstance(inner, Sequence) and not isinstance(inner, str):
            found |= secret_paths({str(i): v for i, v in enumerate(inner)}, path)
    return found


def secret_leaves(values: Mapping[str, PropertyValue]) -> list[Any]:
    """Every plain value that came in under a secret mark, at any depth: what a message must not show."""
    found: list[Any] = []

    def walk(value: PropertyValue, secret: bool) -> None:
        secret = secret or value.is_secret
        inner = value.value
        if isinstance(inner, Mapping):
            for item in inner.values():
                walk(item, secret)
        elif isinstance(inner, Sequence) and not isinstance(inner, str):
            for item in inner:
                walk(item, secret)
        elif secret and not isinstance(inner, Computed):
            found.append(inner)

    for value in values.values():
        walk(value, False)
    return found


def to_value(value: Any, secrets: frozenset[Path] = frozenset(), path: Path = ()) -> PropertyValue:
    """A plain value as a ``PropertyValue``: storage keys and the paths in ``secrets`` marked secret."""
    secret = path in secrets or (bool(path) and path[-1] in SECRET_STORAGE_FIELDS and value is not None)
    out: PropertyValue
    if isinstance(value, bool) or value is None or isinstance(value, str):
        out = PropertyValue(value)
    elif isinstance(value, (int, float)):
        out = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        out = PropertyValue({str(k): to_value(v, secrets, (*path, str(k))) for k, v in value.items()})
    elif isinstance(value, Sequence):
        out = PropertyValue([to_value(v, secrets, (*path, str(i))) for i, v in enumerate(value)])
    else:
        raise TypeError(f"cannot send a {type(value).__name__} to the engine")
    return out.with_secret(True) if secret else out


def to_map(values: Mapping[str, Any], secrets: frozenset[Path] = frozenset()) -> dict[str, PropertyValue]:
    """A top-level ``None`` is left out, as the dynamic provider's serializer leaves it out: both front ends
    write the same state, and generated code has no ``storageConfig: null``."""
    return {k: to_value(v, secrets, (k,)) for k, v in values.items() if v is not None}
