"""The ``agora`` Pulumi package schema: what generated SDKs, YAML programs and ``pulumi import`` know of it.

Built from the core's own definitions (the kinds, the property names, the vendor tables, the client's
configuration keys), so the schema cannot drift from what the provider accepts: a vendor added to
:mod:`agora_pulumi.regions` appears in the descriptions, a config key added to
:data:`agora_pulumi.client_config.SETTINGS` must get a description here (a test holds them equal).
Pure data: no Pulumi, no HTTP.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from .._version import __version__
from ..client_config import AUTH_SCHEMES, DEFAULT_ENDPOINTS, DEFAULT_MAX_REQUESTS_PER_SECOND, SETTINGS
from ..kinds import BY_NATIVE_TYPE_TOKEN, CUSTOM, KINDS, LEGACY, STANDARD, SettingKind
from ..model import IDENTITY_PROPS, props_of
from ..names import NATIVE_PACKAGE, SECRET_STORAGE_FIELDS, native_type_token
from ..regions import DEFAULT_INTERVAL, MAX_INTERVAL, MIN_INTERVAL, PUSH_REGION_NAMES, StorageCatalog
from ..set_model import API
from ..set_model import SETTINGS as SET_SETTINGS

PACKAGE = NATIVE_PACKAGE
token = native_type_token


SNAPSHOT_SETTING_SET = "SnapshotSettingSet"
STORAGE_CONFIG_TYPE = {kind.name: token(f"{'Custom' if kind is CUSTOM else ''}StorageConfig") for kind in (LEGACY, CUSTOM)}
MEMBER_TYPE = token("SettingSetMember")
RESOURCE_KINDS: Mapping[str, SettingKind] = BY_NATIVE_TYPE_TOKEN
"""``agora:fls:SnapshotSetting`` → the seed API, and so on."""
SET_TOKEN = token(SNAPSHOT_SETTING_SET)
FUNCTION_KINDS: Mapping[str, SettingKind] = {token(f"get{kind.resource}"): kind for kind in KINDS.values()}
"""``agora:fls:getSnapshotSetting`` and the standard/custom ones: read-only lookups."""

_REGIONS = ", ".join(f"`{code}` ({name})" for code, name in PUSH_REGION_NAMES.items())

_API_TEXT: Mapping[str, str] = {
    LEGACY.name: "the seed API's path `/v1/projects/{appId}/fls/entry_points/{entryPoint}/settings/snapshot/"
    "regions/{region}` (storage vendors 0-5)",
    STANDARD.name: "the Media Broadcast API's standard path `…/settings/snapshot/standard/regions/{region}`: "
    "Agora stores the snapshots itself, no storage config",
    CUSTOM.name: "the Media Broadcast API's custom path `…/settings/snapshot/custom/regions/{region}`: "
    "snapshots go to your bucket (storage vendors 0-8)",
}


def _describe_catalog(catalog: StorageCatalog) -> str:
    lines = []
    for vendor, name in catalog.vendor_names.items():
        if vendor in catalog.vendors_without_region:
            lines.append(f"- `{int(vendor)}` {name}: no region (any region given is ignored)")
        else:
            lines.append(f"- `{int(vendor)}` {name}: {catalog.describe_regions(vendor)}")
    return "\n".join(lines)


def _setting_properties(kind: SettingKind) -> dict[str, Any]:
    props: dict[str, Any] = {
        "appId": {"type": "string", "description": "The App ID the entry point belongs to. Changing it replaces "
                  "the resource (another setting is enabled, then this one disabled).", "replaceOnChanges": True},
        "entryPoint": {"type": "string", "description": "The entry point (the stream-pushing path's first "
                       "segment) whose streams are captured. Changing it replaces the resource.",
                       "replaceOnChanges": True},
        "region": {"type": "string", "description": "The push region chosen when the stream-pushing domain was "
                   f"added: {_REGIONS}. Case-insensitive; stored lower-case. Changing it replaces the resource.",
                   "replaceOnChanges": True},
        "enabled": {"type": "boolean", "description": "Whether Agora captures snapshots of the entry point's "
                    "streams. Deleting the resource sets it to false (Agora has no delete)."},
        "snapshotInterval": {"type": "integer", "description": f"Seconds between two snapshots, "
                             f"{MIN_INTERVAL}-{MAX_INTERVAL}; default {DEFAULT_INTERVAL}.",
                             "default": DEFAULT_INTERVAL},
        "enableModeration": {"type": "boolean", "description": "Whether Agora runs content moderation on the "
                             "snapshots; default false.", "default": False},
    }
    if kind.takes_storage:
        props["storageConfig"] = {
            "$ref": f"#/types/{STORAGE_CONFIG_TYPE[kind.name]}",
            "description": "Your bucket, where Agora uploads the snapshots, and the keys it writes with. Once set "
            "it cannot be removed (Agora's PATCH cannot clear it): point it at another bucket, or disable "
            "the setting.",
        }
    assert tuple(props) == props_of(kind)  # noqa: S101 - the schema has exactly the model's properties
    return props


def _storage_type(kind: SettingKind) -> dict[str, Any]:
    assert kind.catalog is not None  # noqa: S101
    return {
        "type": "object",
        "description": f"Third-party storage for {_API_TEXT[kind.name]}.",
        "properties": {
            "vendor": {"type": "integer", "description": "The storage vendor and its regions "
                       "(`storageConfig.region` codes):\n" + _describe_catalog(kind.catalog)},
            "region": {"type": "integer", "description": "The vendor's region code (see `vendor`); leave it out "
                       "for a vendor that takes none."},
            "bucket": {"type": "string", "description": "The bucket name, by the vendor's naming rules."},
            "accessKey": {"type": "string", "secret": True, "description": "The access key Agora writes to the "
                          "bucket with. Always secret: set it from `pulumi config set --secret`."},
            "secretKey": {"type": "string", "secret": True, "description": "The secret key Agora writes to the "
                          "bucket with. Always secret: set it from `pulumi config set --secret`."},
        },
        "required": ["vendor", "bucket", *SECRET_STORAGE_FIELDS],
    }


def _member_type() -> dict[str, Any]:
    props = dict(_setting_properties(CUSTOM))
    for key in IDENTITY_PROPS:
        props[key] = {k: v for k, v in props[key].items() if k != "replaceOnChanges"}
    props["storageConfig"] = {**props["storageConfig"], "$ref": f"#/types/{STORAGE_CONFIG_TYPE[CUSTOM.name]}"}
    return {
        "type": "object",
        "description": "One setting of a SnapshotSettingSet: the fields of the single resource of its `api`.",
        "properties": {
            API: {"type": "string", "description": "Which API the setting lives on: "
                  + "; ".join(f"`{name}`: {text}" for name, text in _API_TEXT.items()) + ". Default `legacy`.",
                  "default": LEGACY.name},
            **props,
        },
        "required": ["appId", "entryPoint", "region", "enabled"],
    }


def _resource(kind: SettingKind) -> dict[str, Any]:
    props = _setting_properties(kind)
    required = ["appId", "entryPoint", "region", "enabled"]
    return {
        "description": f"The snapshot-capturing setting of one entry point in one push region, on {_API_TEXT[kind.name]}. "
        "The id is `appId/entryPoint/region`; `pulumi import` takes it. Create and update send one PATCH with "
        "every field; delete sends `enabled: false` (the storage config is kept at Agora). A preview and a "
        "no-op `up` send no request.",
        "properties": props,
        "required": [*required, "snapshotInterval", "enableModeration"],
        "inputProperties": props,
        "requiredInputs": required,
    }


def _set_resource() -> dict[str, Any]:
    return {
        "description": "Many snapshot settings as one resource, for large fleets: `up` sends one PATCH per member "
        "that differs and none for the others; removing a member disables exactly that setting. Each member "
        "keeps the rules of its API's single resource. Not importable: import single settings.",
        "properties": {
            SET_SETTINGS: {"type": "object", "additionalProperties": {"$ref": f"#/types/{MEMBER_TYPE}"},
                           "description": "The members keyed by setting id (`appId/entryPoint/region`, prefixed "
                           "by `standard:` or `custom:` for those APIs)."}
        },
        "required": [SET_SETTINGS],
        "inputProperties": {
            SET_SETTINGS: {"type": "array", "items": {"$ref": f"#/types/{MEMBER_TYPE}"},
                           "description": "The settings, each listed once."}
        },
        "requiredInputs": [SET_SETTINGS],
    }


def _function(kind: SettingKind) -> dict[str, Any]:
    identity = {k: v for k, v in _setting_properties(kind).items() if k in IDENTITY_PROPS}
    identity = {k: {kk: vv for kk, vv in v.items() if kk != "replaceOnChanges"} for k, v in identity.items()}
    outputs = {k: {kk: vv for kk, vv in v.items() if kk not in ("replaceOnChanges", "default")}
               for k, v in _setting_properties(kind).items()}
    return {
        "description": f"Reads a setting on {_API_TEXT[kind.name]} without managing it (one GET). Its storage "
        "keys come back as secrets. Fails when Agora does not know the entry point.",
        "inputs": {"properties": identity, "required": list(IDENTITY_PROPS)},
        "outputs": {"properties": outputs, "required": list(outputs)[:6]},
    }


CONFIG_DESCRIPTIONS: Mapping[str, tuple[Mapping[str, Any], str]] = {
    "agora:customerId": ({"type": "string"}, "Your Agora customer ID (Console → RESTful API)."),
    "agora:customerSecret": ({"type": "string", "secret": True},
                             "Your Agora customer secret. Set it with `pulumi config set --secret`."),
    "agora:endpoint": ({"type": "string"}, f"One API origin, no failover (default: {', '.join(DEFAULT_ENDPOINTS)} "
                       "in that order). Exclusive with `endpoints`."),
    "agora:endpoints": ({"type": "array", "items": {"type": "string"}},
                        "API origins to fail over along, in order. Exclusive with `endpoint`."),
    "agora:authScheme": ({"type": "string"}, f"One of {', '.join(AUTH_SCHEMES)}: `hmac` (HMAC-SHA256, the Media "
                         "Broadcast API; default) or `basic` (the seed API's Basic auth)."),
    "agora:maxRequestsPerSecond": ({"type": "number"}, "This provider's request ceiling (default "
                                   f"{DEFAULT_MAX_REQUESTS_PER_SECOND:g}, Agora's documented limit)."),
    "agora:maxRetries": ({"type": "integer"}, "Retries of a failed request (default 4)."),
    "agora:timeoutSeconds": ({"type": "number"}, "Seconds to wait for an answer (default 30)."),
    "agora:connectTimeoutSeconds": ({"type": "number"}, "Seconds to wait for a connection (default 5)."),
    "agora:retryBackoffSeconds": ({"type": "number"}, "Backoff factor between retries (default 0.5)."),
    "agora:retryJitterSeconds": ({"type": "number"}, "Random jitter added to each backoff (default 0.5)."),
    "agora:maxRetryAfterSeconds": ({"type": "number"}, "Ceiling on a Retry-After Agora asks for (default 30)."),
}
"""Each provider configuration key's schema type and description; the same keys as ``SETTINGS``."""


def _config_properties() -> dict[str, Any]:
    props: dict[str, Any] = {}
    for key, env, _name, _parse in SETTINGS:
        spec, text = CONFIG_DESCRIPTIONS[key]
        props[key.split(":", 1)[1]] = {**spec, "description": f"{text} Environment fallback: `{env}`."}
    return props


def schema() -> dict[str, Any]:
    config = _config_properties()
    return {
        "name": PACKAGE,
        "displayName": "Agora FLS snapshot settings",
        "version": __version__,
        "description": "Agora Media Broadcast (Fusion Live Streaming) snapshot-capturing settings as Pulumi "
        "resources, served by agora-pulumi's native provider.",
        "keywords": ["pulumi", "agora", "category/media"],
        "license": "Apache-2.0",
        "meta": {"moduleFormat": "(.*)"},
        "language": {"python": {"packageName": "pulumi_agora"}, "nodejs": {"packageName": "@pulumi/agora"}},
        "config": {"variables": config},
        "provider": {
            "description": "One Agora account: its credentials, endpoints and request budget. The default "
            "provider reads the stack's `agora:*` config; an explicit provider instance manages another "
            "account in the same stack.",
            "properties": {k: v for k, v in config.items() if k in ("customerId", "endpoint", "endpoints", "authScheme")},
            "inputProperties": config,
        },
        "types": {
            STORAGE_CONFIG_TYPE[LEGACY.name]: _storage_type(LEGACY),
            STORAGE_CONFIG_TYPE[CUSTOM.name]: _storage_type(CUSTOM),
            MEMBER_TYPE: _member_type(),
        },
        "resources": {
            **{tok: _resource(kind) for tok, kind in RESOURCE_KINDS.items()},
            SET_TOKEN: _set_resource(),
        },
        "functions": {tok: _function(kind) for tok, kind in FUNCTION_KINDS.items()},
    }


def schema_json() -> str:
    return json.dumps(schema(), indent=2, sort_keys=False)
