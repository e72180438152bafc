"""The dynamic provider: the engine's check/diff/create/read/update/delete, mapped onto Agora's API.

The engine runs this class inside ``python -m pulumi.dynamic``, after unpickling it from the resource's
``__provider`` property. Two consequences shape this module:

* Whatever an instance holds is pickled into state. The instance therefore holds **nothing**: the
  configuration read in :meth:`SnapshotSettingProvider.configure` (credentials included) lives in a
  module-level table keyed weakly by instance, in the provider process only.
* One instance is called from the server's four worker threads at once. The shared pieces (the client and
  its pooled session, the table of settings written in this deployment) are thread-safe.

Data flows one way: engine properties → :func:`agora_pulumi.model.check_props` → :class:`Setting` → one
HTTP request → outputs. ``check`` and ``diff`` never do HTTP, so previews cost no API calls.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from typing import Any, Callable, ClassVar, Mapping, Optional, Union

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from .client import AgoraClient
from .client_config import ClientConfig
from .errors import AgoraError, ConfigurationError, NotFoundError
from .identity import SettingIdentity
from .kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from .model import (
    InvalidResponseBody,
    Setting,
    check_props,
    diff_props,
    has_unmanaged_storage,
    setting_from_props,
    state_from_response,
)
from .names import PROVIDER_KEY


class SnapshotSettingError(AgoraError):
    """An operation on one setting failed; the message names the setting and what to do. ``status`` is
    Agora's HTTP status when there was one."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def _plain(value: Any) -> Any:
    """Strip secret wrappers (an engine that sends secrets) and the ``__provider`` key, recursively."""
    if isinstance(value, Mapping):
        if rpc.is_rpc_secret(value):
            return _plain(rpc.unwrap_rpc_secret(value))
        return {k: _plain(v) for k, v in value.items() if k != PROVIDER_KEY}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _ProviderState:
    """What a configured provider instance needs at run time; never pickled."""

    def __init__(self, config: Union[ClientConfig, ConfigurationError]) -> None:
        self._config = config
        self._client: Optional[AgoraClient] = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, get: Callable[[str], Any]) -> _ProviderState:
        """From stack config (``get``) and the environment; a configuration error is kept, not raised."""
        try:
            return cls(ClientConfig.from_sources(get, os.environ))
        except ConfigurationError as exc:
            return cls(exc)

    def client(self) -> AgoraClient:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    if isinstance(self._config, ConfigurationError):
                        raise self._config
                    self._client = AgoraClient(self._config)
        return self._client


_STATES: weakref.WeakKeyDictionary[AgoraResourceProvider, _ProviderState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()

# Ids written (created or updated) by this provider process, i.e. in this deployment. A delete of one of
# them comes from another resource that owned the same setting (a rename without aliases, or a
# create-before-delete replace with the same id): disabling it would undo what was just applied.
_Written = tuple[str, str]  # (kind name, setting id): the three APIs' settings are independent
_WRITTEN: set[_Written] = set()
_WRITTEN_LOCK = threading.Lock()


def _claim(id_: _Written) -> None:
    with _WRITTEN_LOCK:
        _WRITTEN.add(id_)


def _written_here(id_: _Written) -> bool:
    with _WRITTEN_LOCK:
        return id_ in _WRITTEN


def _warn(message: str) -> None:
    # The engine shows a provider's stderr to the user; there is no engine log channel in this process.
    sys.stderr.write(f"warning: {message}\n")
    sys.stderr.flush()


class AgoraResourceProvider(ResourceProvider):
    """What every provider of this package shares: configuration kept out of the pickled instance, and one
    pooled client per configured instance (see the module docstring)."""

    def configure(self, req: ConfigureRequest) -> None:
        """Read credentials and client settings; errors are kept and raised on first API use.

        Keeping the error lets ``pulumi preview`` (check/diff only) work without credentials.
        """
        state = _ProviderState.load(req.config.get)
        with _STATES_LOCK:
            _STATES[self] = state

    def _client(self) -> AgoraClient:
        with _STATES_LOCK:
            state = _STATES.get(self)
            if state is None:  # used without the engine's Configure: environment only
                state = _STATES[self] = _ProviderState.load(lambda _key: None)
        return state.client()



class SnapshotSettingProvider(AgoraResourceProvider):
    """CRUD for ``SnapshotSetting``: create/update = PATCH, read = GET, delete = PATCH ``enabled: false``.

    The one provider core of all three APIs: a subclass only names its :class:`SettingKind` (path, fields,
    vendor tables). ``KIND`` is a class attribute, so the pickled provider stays a bare class reference.
    """

    KIND: ClassVar[SettingKind] = LEGACY

    # --- no HTTP ---------------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds = _plain(_olds) or None
        inputs, failures = check_props(_plain(news), olds, _is_unknown, self.KIND)
        return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        changed, replaces = diff_props(_plain(_olds), _plain(_news), _is_unknown, self.KIND)
        # Create-before-delete is safe: a replace always has a new id, so the old setting is a different one.
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    # --- one request each ------------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        setting = write_setting(self._client(), self.KIND, _plain(props), "Creating")
        return CreateResult(setting.id, setting.to_state())

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(write_setting(self._client(), self.KIND, _plain(_news), "Updating").to_state())

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        previous = _plain(props)
        identity = SettingIdentity.from_props(previous, id_)
        if identity is None:
            raise SnapshotSettingError(
                f"Cannot read {self.KIND.label} {id_!r}: the id must be 'appId/entryPoint/region'."
            )
        state = read_setting(self._client(), self.KIND, identity, previous or None)
        if state is None:
            return ReadResult("", {})
        return ReadResult(identity.id, state, dict(state))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        identity = SettingIdentity.from_props(_plain(_props), id_)
        if identity is not None:
            disable_setting(self._client(), self.KIND, identity, f"Use `aliases` when renaming a {self.KIND.resource}.")


# --- the single-setting operations, shared by SnapshotSetting* and SnapshotSettingSet ---------------------


def write_setting(client: AgoraClient, kind: SettingKind, props: Mapping[str, Any], doing: str) -> Setting:
    """One PATCH with the full desired body; the id is then owned by this deployment (see ``_WRITTEN``)."""
    setting = setting_from_props(props)
    try:
        client.patch_setting(setting.identity, setting.to_body(), kind)
    except AgoraError as exc:
        raise SnapshotSettingError(f"{doing} {kind.label} {setting.id} failed. {exc}", _status(exc)) from None
    _claim((kind.name, setting.id))
    return setting


def read_setting(
    client: AgoraClient, kind: SettingKind, identity: SettingIdentity, previous: Optional[Mapping[str, Any]]
) -> Optional[dict[str, Any]]:
    """One GET: the setting's state, or ``None`` when Agora says the entry point is gone."""
    try:
        body = client.get_setting(identity, kind)
    except NotFoundError:
        return None
    except AgoraError as exc:
        raise SnapshotSettingError(f"Reading {kind.label} {identity} failed. {exc}", _status(exc)) from None
    try:
        state = state_from_response(identity, body, previous, kind)
    except InvalidResponseBody as exc:
        # A wrong-typed answer is not drift: refuse it rather than write it (or a guess) into state.
        raise SnapshotSettingError(
            f"Reading {kind.label} {identity} failed: Agora's answer is not valid: {exc}. Check that "
            "agora:endpoint points at Agora's API (no proxy or gateway in between) and run `pulumi refresh` "
            "again; the state is unchanged."
        ) from None
    if has_unmanaged_storage(body, previous):
        _warn(
            f"Agora holds a storage config for {kind.label} {identity} that this resource does "
            "not manage (set outside Pulumi); it is left out of state and stays in effect at Agora. Declare "
            "storage_config on the resource to manage it."
        )
    return state


def disable_setting(client: AgoraClient, kind: SettingKind, identity: SettingIdentity, advice: str) -> None:
    """PATCH ``enabled: false``, unless this deployment just wrote the setting through another resource (a
    rename without aliases, a move between resources): then it is left enabled, with a warning."""
    if _written_here((kind.name, identity.id)):
        _warn(
            f"{kind.label} {identity} was just written by another resource in this deployment "
            "(a rename without `aliases`, or two resources for one setting); it is left enabled rather than "
            f"disabled. {advice}"
        )
        return
    try:
        client.patch_setting(identity, {"enabled": False}, kind)
    except NotFoundError:
        return  # the entry point is gone, and with it the setting
    except AgoraError as exc:
        raise SnapshotSettingError(
            f"Deleting (disabling) {kind.label} {identity} failed; it is still in the stack. {exc}", _status(exc)
        ) from None


def _status(error: AgoraError) -> Optional[int]:
    status = getattr(error, "status", None)
    return status if isinstance(status, int) else None


class StandardSnapshotSettingProvider(SnapshotSettingProvider):
    """CRUD for ``StandardSnapshotSetting`` (``…/settings/snapshot/standard/…``: no storage)."""

    KIND: ClassVar[SettingKind] = STANDARD


class CustomSnapshotSettingProvider(SnapshotSettingProvider):
    """CRUD for ``CustomSnapshotSetting`` (``…/settings/snapshot/custom/…``: storage, vendors 0-8)."""

    KIND: ClassVar[SettingKind] = CUSTOM


PROVIDERS: Mapping[str, type[SnapshotSettingProvider]] = {
    cls.KIND.name: cls
    for cls in (SnapshotSettingProvider, StandardSnapshotSettingProvider, CustomSnapshotSettingProvider)
}
"""The provider class of each API, by kind name."""
