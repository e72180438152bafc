"""Names shared across the package, defined once and importable without Pulumi.

The provider, the resource, the policy pack, the engine harness and the benchmarks all need to agree on
the engine's type tokens, the key under which the pickled provider travels and the storage fields that are
secrets. Each is spelled here only; the policy pack and the emulator may import this module because it
imports nothing.
"""

from __future__ import annotations

from typing import Final, Mapping, Optional

MODULE: Final = "agora"
"""The ``module`` of every dynamic resource of this package (``pulumi.dynamic.Resource(module=...)``)."""

PROVIDER_KEY: Final = "__provider"
"""The property under which the engine carries a dynamic resource's pickled provider."""

SNAPSHOT_SETTING: Final = "SnapshotSetting"
"""The resource name of the seed API's setting (``…/settings/snapshot/regions/{region}``)."""


def type_token(resource: str) -> str:
    """The engine type of a dynamic resource of this package, as the SDK builds it from module and name."""
    return f"pulumi-python:dynamic/{MODULE}:{resource}"


SNAPSHOT_SETTING_SET: Final = "SnapshotSettingSet"
"""Many settings as one resource (``agora_pulumi.SnapshotSettingSet``), for large fleets."""

TYPE_TOKEN: Final = type_token(SNAPSHOT_SETTING)
"""``pulumi-python:dynamic/agora:SnapshotSetting``."""

SECRET_STORAGE_FIELDS: Final[tuple[str, ...]] = ("accessKey", "secretKey")
"""The ``storageConfig`` fields that are credentials: kept secret in state, never echoed, always redacted."""

STORAGE_FIELDS: Final[tuple[str, ...]] = ("vendor", "region", "bucket", *SECRET_STORAGE_FIELDS)
"""Every ``storageConfig`` field, in the API doc's order."""

PYTHON_PROPERTY_NAMES: Final[Mapping[str, str]] = {
    "appId": "app_id",
    "entryPoint": "entry_point",
    "snapshotInterval": "snapshot_interval",
    "enableModeration": "enable_moderation",
    "storageConfig": "storage_config",
}
"""The Python SDK's spelling of the camelCase properties whose names differ (the others are the same)."""

PYTHON_STORAGE_NAMES: Final[Mapping[str, str]] = {"accessKey": "access_key", "secretKey": "secret_key"}
"""The same for the storage config's fields (``StorageConfigArgs``)."""


NATIVE_PACKAGE: Final = "agora"
"""The native provider's Pulumi package (``agora-pulumi provider new``): every language, several accounts."""

NATIVE_MODULE: Final = "fls"
"""Its module: ``agora.fls.SnapshotSetting`` in TypeScript, ``pulumi_agora.fls.SnapshotSetting`` in Python."""


def native_type_token(resource: str) -> str:
    """The engine type of a native resource or function of this package: ``agora:fls:SnapshotSetting``."""
    return f"{NATIVE_PACKAGE}:{NATIVE_MODULE}:{resource}"

_PROJECT_NAME_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
MAX_PROJECT_NAME: Final = 100


def project_name_problem(name: str) -> Optional[str]:
    """Why ``name`` is not a Pulumi project name (the CLI's rule: 1-100 ASCII letters, digits, ``-``, ``_``,
    ``.``), or ``None``. It is the config namespace (``<name>:entryPoints``) that ``adopt`` writes into YAML
    keys and Python source, so nothing else may reach them."""
    if not name or len(name) > MAX_PROJECT_NAME or not set(name) <= _PROJECT_NAME_CHARS:
        return (
            f"is not a Pulumi project name: use 1-{MAX_PROJECT_NAME} ASCII letters, digits, hyphens, underscores "
            "and periods (the `name` in Pulumi.yaml)"
        )
    return None
