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

import threading
import weakref
from typing import Any, ClassVar, Mapping

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
from pulumi.runtime import rpc

from .client import AgoraClient
from .connection import Connection
from .engine_failures import for_engine
from .identity import SettingIdentity
from .kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from .model import Failure, check_props, diff_paths, diff_props
from .names import PROVIDER_KEY
from .operations import (
    SnapshotSettingError,
    diff_summary,
    disable_setting,
    identity_to_read,
    note_stderr,
    read_setting,
    write_setting,
)
from .unknowns import is_unknown

__all__ = ["PROVIDERS", "AgoraResourceProvider", "SnapshotSettingError", "SnapshotSettingProvider"]


_is_unknown = is_unknown


def _plain(value: Any) -> Any:
    """Strip secret wrappers (an engine that sends secrets) and the ``__provider`` key, recursively."""
    if isinstance(value, Mapping):
        if rpc.is_rpc_secret(value):
            return _plain(rpc.unwrap_rpc_secret(value))
        return {k: _plain(v) for k, v in value.items() if k != PROVIDER_KEY}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_failures(found: list[Failure]) -> list[CheckFailure]:
    """``found`` as the engine should get them: see :mod:`agora_pulumi.engine_failures`. The SDK's dynamic
    provider does not accept secrets, so the engine sends it secret inputs unmarked: it cannot withhold them
    (docs/resources.md says so; the native provider does)."""
    return [CheckFailure(f.property, f.reason) for f in map(for_engine, found)]


_STATES: weakref.WeakKeyDictionary[AgoraResourceProvider, Connection] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


class AgoraResourceProvider(ResourceProvider):
    """What every provider of this package shares: configuration kept out of the pickled instance, and one
    pooled client per configured instance (see the module docstring)."""

    def configure(self, req: ConfigureRequest) -> None:
        """Read credentials and client settings; errors are kept and raised on first API use.

        Keeping the error lets ``pulumi preview`` (check/diff only) work without credentials.
        """
        # The SDK's Config has no public way to list its keys; they let an error name a misspelt one.
        keys = getattr(req.config, "_props", None)
        state = Connection.load(req.config.get, keys=list(keys) if isinstance(keys, dict) else ())
        with _STATES_LOCK:
            _STATES[self] = state

    def _client(self) -> AgoraClient:
        with _STATES_LOCK:
            state = _STATES.get(self)
            if state is None:  # used without the engine's Configure: environment only
                state = _STATES[self] = Connection.load(lambda _key: None)
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
        return CheckResult(inputs, check_failures(failures))

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        olds, news = _plain(_olds), _plain(_news)
        changed, replaces = diff_props(olds, news, _is_unknown, self.KIND)
        # The dynamic protocol carries no detailed diff: name the changed fields on the provider's stderr.
        summary = diff_summary(self.KIND, _id, diff_paths(olds, news, _is_unknown, self.KIND), replaces)
        if summary:
            note_stderr(summary)
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
        identity = identity_to_read(self.KIND, previous, id_)
        state = read_setting(self._client(), self.KIND, identity, previous or None)
        if state is None:
            return ReadResult("", {})
        return ReadResult(identity.id, state, dict(state))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        identity = SettingIdentity.from_props(_plain(_props), id_)
        if identity is not None:
            disable_setting(self._client(), self.KIND, identity, f"Use `aliases` when renaming a {self.KIND.resource}.")


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
