"""The native provider of the ``agora`` package: a thin adapter from ``pulumi.provider.experimental`` to the
core that the dynamic provider serves too (model, rules, operations, set operations, client).

Each provider instance is its own process: the default provider (stack config ``agora:*``) and every
explicit ``agora.Provider`` resource, each with its own credentials, endpoints and rate-limit budget, which
is how one stack manages several Agora accounts.

What the experimental interface needs worked around (each pinned by a test):

* unknowns arrive as the engine's sentinel string; the core recognises it (:mod:`agora_pulumi.unknowns`);
* every handler runs on one asyncio loop: HTTP leaves it for a thread pool sized for the rate limit, so the
  engine's parallel steps stay parallel;
* ``diff_config`` is not overridden (the SDK's override path is broken); every ``Diff`` carries a detailed
  diff, because the server always says it has one;
* ``Configure`` says ``supportsPreview: false``, so a preview never calls Create or Update: zero requests;
* what Read returns for a resource it has no state of (``pulumi import``, ``.get``) holds no storage key:
  the engine writes Read's inputs into generated code.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping, Optional, TypeVar

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from .. import rules
from ..connection import Connection
from ..engine_failures import for_engine
from ..errors import AgoraError
from ..identity import SettingIdentity
from ..kinds import SettingKind
from ..model import Failure, check_props, diff_paths, diff_props
from ..operations import (
    SnapshotSettingError,
    disable_setting,
    identity_to_read,
    look_up_setting,
    read_setting,
    write_setting,
)
from ..set_model import SETTINGS, check_set, key_members, member_diff, members
from ..set_operations import create_set, delete_set, read_set, update_set
from ..unknowns import is_unknown
from .engine_log import EngineLog
from .schema import FUNCTION_KINDS, RESOURCE_KINDS, SET_TOKEN, schema_json
from .values import plain_map, secret_leaves, secret_paths, to_map

T = TypeVar("T")

HTTP_THREADS = 64
"""Threads for blocking HTTP calls: at 1 s of latency still more than Agora's 50 requests/s, so the rate
limit, not this pool, bounds throughput (asyncio's default pool is min(32, CPUs + 4): 6 on two cores)."""


class ProviderError(AgoraError):
    """A request the provider cannot serve (an unknown type, an id of the wrong shape)."""


def _config_getter(request: p.ConfigureRequest) -> Callable[[str], Any]:
    """``get("agora:customerId")`` over the Configure request: the provider's typed arguments first (an
    explicit provider's inputs, or the default provider's stack config), then the raw ``agora:*`` variables."""
    args = plain_map(request.args)

    def get(key: str) -> Any:
        value = args.get(key.split(":", 1)[1])
        if value is None or value == "":
            value = request.variables.get(key)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value

    return get


def _failures(found: list[Failure], news: Mapping[str, PropertyValue]) -> list[p.CheckFailure]:
    """``found`` as the engine should get them, with no value that came in secret in ``news``: see
    :mod:`agora_pulumi.engine_failures`. The secret values are looked for only when something failed."""
    hidden = secret_leaves(news) if found else []
    return [p.CheckFailure(f.property, f.reason) for f in (for_engine(x, hidden) for x in found)]


def _detailed(changed: list[str], replaces: list[str]) -> dict[str, p.PropertyDiff]:
    return {
        key: p.PropertyDiff(p.PropertyDiffKind.UPDATE_REPLACE if key in replaces else p.PropertyDiffKind.UPDATE, True)
        for key in changed
    }


class AgoraProvider(p.Provider):
    """``agora:fls:*`` resources and lookups over one Agora account (this process's configuration)."""

    def __init__(self, engine: Optional[str] = None, http_threads: int = HTTP_THREADS) -> None:
        self._connection = Connection.load(lambda _key: None)
        self._pool = ThreadPoolExecutor(max_workers=http_threads, thread_name_prefix="agora-http")
        self._log = EngineLog(engine)

    def _say(self, urn: str) -> tuple[Callable[[str], None], Callable[[str], None]]:
        """``(warn, tell)`` for one resource: the core's warnings and notes, through the engine's ``Log`` (the
        CLI does not show a native provider's stderr)."""
        return self._log.for_urn(urn), self._log.notes_for(urn)

    async def _blocking(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    # --- schema and configuration ---------------------------------------------------------------------

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(schema_json())

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        """Credentials and client settings; an error is kept and raised on first API use, so a preview works
        without credentials. No preview support: the engine then never calls Create/Update in a preview."""
        self._connection = Connection.load(_config_getter(request))
        return p.ConfigureResponse(accept_secrets=True, supports_preview=False)

    # --- no HTTP --------------------------------------------------------------------------------------

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        news, olds = plain_map(request.new_inputs), plain_map(request.old_inputs) or None
        secrets = frozenset(secret_paths(request.new_inputs))
        if request.type == SET_TOKEN:
            keyed, key_failures = key_members(news.get(SETTINGS), is_unknown)
            inputs, failures = check_set({**news, SETTINGS: keyed}, olds, is_unknown)
            return p.CheckResponse(to_map(inputs, _set_secrets(secrets)), _failures([*key_failures, *failures], request.new_inputs))
        kind = _kind(request.type)
        inputs, failures = check_props(news, olds, is_unknown, kind)
        return p.CheckResponse(to_map(inputs, secrets), _failures(failures, request.new_inputs))

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        if request.type == SET_TOKEN:
            return _set_diff(olds, news)
        kind = _kind(request.type)
        changed, replaces = diff_props(olds, news, is_unknown, kind)
        # Create-before-delete is safe: a replace always has a new id, so the old setting is another one.
        return p.DiffResponse(
            changes=bool(changed), replaces=replaces, delete_before_replace=False,
            diffs=changed, detailed_diff=_detailed(diff_paths(olds, news, is_unknown, kind), replaces),
        )

    # --- one request each (a set: one per member that needs one) --------------------------------------

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        props = plain_map(request.properties)
        client = self._connection.client
        if request.type == SET_TOKEN:
            set_id, state = await self._blocking(lambda: create_set(client(), props))
            return p.CreateResponse(set_id, to_map(state))
        kind = _kind(request.type)
        setting = await self._blocking(lambda: write_setting(client(), kind, props, "Creating"))
        return p.CreateResponse(setting.id, to_map(setting.to_state()))

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        olds, news = plain_map(request.olds), plain_map(request.news)
        client, (warn, tell) = self._connection.client, self._say(request.urn)
        if request.type == SET_TOKEN:
            state = await self._blocking(lambda: update_set(client(), request.resource_id, olds, news, warn, tell))
            return p.UpdateResponse(to_map(state))
        kind = _kind(request.type)
        setting = await self._blocking(lambda: write_setting(client(), kind, news, "Updating"))
        return p.UpdateResponse(to_map(setting.to_state()))

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        """Refresh, ``pulumi import`` and ``.get``. With no state (import), the storage config is left out of
        what is returned, so the code the engine generates holds no key; see the docs on import."""
        previous = plain_map(request.properties)
        client, (warn, tell) = self._connection.client, self._say(request.urn)
        if request.type == SET_TOKEN:
            if not members(previous):
                raise ProviderError(
                    f"A SnapshotSettingSet cannot be imported or read by id alone ({request.resource_id!r} names no "
                    "members): import each setting as agora:fls:SnapshotSetting (or the standard/custom one), or "
                    "write the set with `agora-pulumi adopt`."
                )
            state = await self._blocking(lambda: read_set(client(), request.resource_id, previous, warn, tell))
            return p.ReadResponse(request.resource_id, to_map(state), to_map(state))
        kind = _kind(request.type)
        identity = identity_to_read(kind, previous, request.resource_id)
        found = await self._blocking(lambda: read_setting(client(), kind, identity, previous or None, warn, tell))
        if found is None:
            return p.ReadResponse(None, {}, {})
        return p.ReadResponse(identity.id, to_map(found), to_map(found))

    async def delete(self, request: p.DeleteRequest) -> None:
        props = plain_map(request.properties)
        client, (warn, tell) = self._connection.client, self._say(request.urn)
        if request.type == SET_TOKEN:
            await self._blocking(lambda: delete_set(client(), request.resource_id, props, warn, tell))
            return
        kind = _kind(request.type)
        identity = SettingIdentity.from_props(props, request.resource_id)
        if identity is not None:
            advice = f"Use `aliases` when renaming a {kind.resource}."
            await self._blocking(lambda: disable_setting(client(), kind, identity, advice, warn, tell))

    # --- read-only lookups ----------------------------------------------------------------------------

    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        kind = FUNCTION_KINDS.get(request.tok)
        if kind is None:
            raise ProviderError(f"Unknown function {request.tok!r}: this provider has {', '.join(FUNCTION_KINDS)}.")
        identity, failures = _lookup_identity(plain_map(request.args))
        if identity is None:
            return p.InvokeResponse(failures=failures)
        client = self._connection.client
        found = await self._blocking(lambda: look_up_setting(client(), kind, identity))
        if found is None:
            raise SnapshotSettingError(
                f"Agora has no {kind.label} {identity}: the entry point does not exist (check appId, entryPoint "
                "and region)."
            )
        return p.InvokeResponse(to_map(found))


def _lookup_identity(args: Mapping[str, Any]) -> tuple[Optional[SettingIdentity], list[p.CheckFailure]]:
    """A lookup's ``appId``/``entryPoint``/``region`` by the same rules as a resource's, or what is wrong."""
    found: list[p.CheckFailure] = []
    parts: list[Optional[str]] = []
    for key in ("appId", "entryPoint"):
        name: Optional[str]
        problem: Optional[str]
        if args.get(key) is None:
            name, problem = None, f"is required: the {rules.SEGMENT_WHAT[key]}"
        else:
            name, problem = rules.segment(args.get(key), key)
        parts.append(name)
        if problem:
            found.append(p.CheckFailure(key, problem))
    region, region_problem = rules.push_region(args.get("region"))
    if region is None:
        found.append(p.CheckFailure("region", str(region_problem)))
    if found or parts[0] is None or parts[1] is None or region is None:
        return None, found
    return SettingIdentity(parts[0], parts[1], region), []


def _kind(type_token: str) -> SettingKind:
    kind = RESOURCE_KINDS.get(type_token)
    if kind is None:
        raise ProviderError(f"Unknown resource type {type_token!r}: this provider has {', '.join(RESOURCE_KINDS)}.")
    return kind


def _set_secrets(secrets: frozenset[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """A member that came in secret as a whole is keyed differently in the checked inputs (a list became
    an object): keep the whole ``settings`` secret then, else only the storage keys (always marked)."""
    return frozenset({(SETTINGS,)}) if any(path[:1] == (SETTINGS,) for path in secrets) else frozenset()


_KINDS_OF_CHANGE: Mapping[str, p.PropertyDiffKind] = {
    "add": p.PropertyDiffKind.ADD,
    "update": p.PropertyDiffKind.UPDATE,
    "delete": p.PropertyDiffKind.DELETE,
}


def _set_diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> p.DiffResponse:
    if is_unknown(news.get(SETTINGS)):
        return p.DiffResponse(changes=True, diffs=[SETTINGS], detailed_diff=_detailed([SETTINGS], []))
    # Only the changed members and fields: a 1,000-member set's preview names what changes, not every member.
    detailed = {
        path: p.PropertyDiff(_KINDS_OF_CHANGE[change], True)
        for path, change in member_diff(olds, news, is_unknown).items()
    }
    # Never a replace: a member whose identity changes is another member (one removed, one added).
    return p.DiffResponse(changes=bool(detailed), diffs=[SETTINGS] if detailed else [], detailed_diff=detailed)
