"""The emulator's state: stored snapshot settings, the entry points that exist, and the request log.

Like moto's ``models.py`` this module knows nothing about HTTP. It keeps exactly what the real service
would keep (one snapshot setting per ``(kind, appid, entry_point, region)``) plus what a test needs to look
at (the log of received requests, with secrets already redacted).

The *kind* is which of the three snapshot paths a setting belongs to: ``legacy`` (the seed's
``.../settings/snapshot/regions/{region}``), ``standard`` and ``custom`` (the current reference's
``.../settings/snapshot/{standard|custom}/regions/{region}``). They are independent settings of one entry
point, so each kind has its own table and a write to one never shows through another.

Settings live in SQLite, in memory by default or in a file with ``--db``. SQLite is used even in memory so
that both modes run the same code; one lock serialises every read-modify-write, so a PATCH merge is
atomic with respect to other threads, and each PATCH is committed before the handler responds, so a
process killed between requests never loses an acknowledged write.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections import deque
from typing import Any, Deque, Dict, Iterable, List, Literal, Mapping, NamedTuple, Optional, Tuple

from agora_pulumi.regions import DEFAULT_INTERVAL

DEFAULT_CUSTOMER_ID = "demo-customer-id"
"""The customer ID (Basic user, HMAC username) the emulator accepts unless ``--customer-id`` says otherwise."""

DEFAULT_CUSTOMER_SECRET = "demo-customer-secret"  # noqa: S105 - a documented, public demo credential
"""The customer secret (Basic password, HMAC key) the emulator accepts unless ``--customer-secret`` says
otherwise."""

REQUEST_LOG_LIMIT = 10_000
"""The request log keeps the newest entries only, so a long-running dev emulator cannot grow without
bound; ``seq`` keeps counting, so a gap shows that entries were dropped."""

JsonObject = Dict[str, Any]


SettingKind = Literal["legacy", "standard", "custom"]

KINDS: Tuple[SettingKind, ...] = ("legacy", "standard", "custom")
"""The snapshot APIs the emulator serves; ``legacy`` first, as it is the default everywhere."""

LEGACY: SettingKind = "legacy"


def parse_kind(text: str) -> SettingKind:
    """``text`` as a :data:`SettingKind`, or ``ValueError`` naming the valid kinds."""
    if text not in KINDS:
        raise ValueError(f"unknown settings kind {text!r}; expected one of {', '.join(KINDS)}")
    return text


class SettingKey(NamedTuple):
    """Where a snapshot setting lives: the three path parameters of the API, and which API (kind).

    ``kind`` comes last and defaults to ``legacy`` so the seed's three-part keys keep meaning what they
    always meant.
    """

    appid: str
    entry_point: str
    region: str
    kind: SettingKind = LEGACY


_TABLES: Mapping[SettingKind, str] = {
    "legacy": "snapshot_settings",
    "standard": "snapshot_settings_standard",
    "custom": "snapshot_settings_custom",
}
"""One table per kind. The legacy table keeps the name and schema of the databases written before kinds
existed, so such a file opens with nothing to migrate, and an older emulator can still open a newer file
(it sees its legacy settings and ignores the other tables). Table names come only from this mapping, never
from a request."""


def default_setting() -> JsonObject:
    """What GET returns for an entry point that was never configured.

    The doc gives defaults for ``snapshotInterval`` (10) and ``enableModeration`` (false); a setting nobody
    enabled is taken to be disabled. There is no ``storageConfig`` until one is set.
    """
    return {"enabled": False, "enableModeration": False, "snapshotInterval": DEFAULT_INTERVAL}


def canonical(setting: Mapping[str, Any]) -> JsonObject:
    """A setting with its keys in the order of the doc's GET example, so responses look like the doc.

    ``storageConfig`` appears only when one was set; its ``region`` only when it was given (Azure may omit it).
    """
    out: JsonObject = {
        "enabled": setting["enabled"],
        "enableModeration": setting["enableModeration"],
        "snapshotInterval": setting["snapshotInterval"],
    }
    storage = setting.get("storageConfig")
    if storage is not None:
        ordered: JsonObject = {}
        for key in ("accessKey", "bucket", "region", "secretKey", "vendor"):
            if key in storage:
                ordered[key] = storage[key]
        out["storageConfig"] = ordered
    return out


class SettingsStore:
    """Snapshot settings keyed by :class:`SettingKey`, in SQLite (``:memory:`` unless a path is given).

    Each kind lives in its own table (see :data:`_TABLES`). One lock guards the single connection: the emulator's traffic is tiny, and a single writer makes the
    merge in :meth:`merge` trivially atomic. File databases use the default rollback journal with
    ``synchronous=FULL`` so a commit is on disk before the HTTP response is sent.
    """

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        with self._lock:
            self._conn.execute("PRAGMA synchronous=FULL")
            for table in _TABLES.values():
                self._conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} ("  # noqa: S608 - a name from _TABLES only
                    " appid TEXT NOT NULL, entry_point TEXT NOT NULL, region TEXT NOT NULL,"
                    " setting TEXT NOT NULL, PRIMARY KEY (appid, entry_point, region))"
                )

    def get(self, key: SettingKey) -> Optional[JsonObject]:
        """The stored setting, or ``None`` if this key was never configured."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT setting FROM {_TABLES[key.kind]}"  # noqa: S608 - a name from _TABLES only
                " WHERE appid=? AND entry_point=? AND region=?",
                key[:3],
            ).fetchone()
        if row is None:
            return None
        loaded: JsonObject = json.loads(row[0])
        return canonical(loaded)

    def merge(self, key: SettingKey, patch: Mapping[str, Any]) -> JsonObject:
        """Apply a validated PATCH body and commit it; return the new setting.

        Top-level fields that are given overwrite the stored ones, fields that are absent are kept.
        ``storageConfig`` is replaced as a whole, never merged key by key: a storage configuration is one
        credential set, and mixing a new vendor with an old region or old keys would store a configuration
        nobody asked for.
        """
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                table = _TABLES[key.kind]
                row = cur.execute(
                    f"SELECT setting FROM {table}"  # noqa: S608 - a name from _TABLES only
                    " WHERE appid=? AND entry_point=? AND region=?",
                    key[:3],
                ).fetchone()
                current: JsonObject = json.loads(row[0]) if row else default_setting()
                for field, value in patch.items():
                    current[field] = copy.deepcopy(value)
                merged = canonical(current)
                cur.execute(
                    f"INSERT OR REPLACE INTO {table}"  # noqa: S608 - a name from _TABLES only
                    " (appid, entry_point, region, setting) VALUES (?, ?, ?, ?)",
                    (*key[:3], json.dumps(merged)),
                )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return merged

    def keys(self) -> List[SettingKey]:
        """Every configured key of every kind, sorted (for debugging and tests)."""
        keys: List[SettingKey] = []
        with self._lock:
            for kind, table in _TABLES.items():
                rows = self._conn.execute(
                    f"SELECT appid, entry_point, region FROM {table}"  # noqa: S608 - a name from _TABLES only
                ).fetchall()
                keys.extend(SettingKey(r[0], r[1], r[2], kind) for r in rows)
        return sorted(keys)

    def reset(self) -> None:
        """Forget every setting of every kind (the admin reset), in one transaction like any write."""
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for table in _TABLES.values():
                    cur.execute(f"DELETE FROM {table}")  # noqa: S608 - a name from _TABLES only
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the database; called on clean shutdown."""
        with self._lock:
            self._conn.close()


class EntryPoints:
    """The entry points that exist. Empty means *every* entry point exists.

    The real service answers 404 for an entry point that was never created in the console. Requiring a list
    would make a dev stack fiddly for no gain, so by default the emulator accepts any name, and
    ``--entry-point APPID/NAME`` switches to the strict behaviour.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._pairs = frozenset(pairs)

    @property
    def restricted(self) -> bool:
        """Whether only the listed entry points exist."""
        return bool(self._pairs)

    def exists(self, appid: str, entry_point: str) -> bool:
        """Whether GET/PATCH on this entry point reaches a resource (else 404)."""
        return not self._pairs or (appid, entry_point) in self._pairs

    def listing(self) -> List[str]:
        """``APPID/NAME`` strings, sorted, for the startup banner."""
        return sorted(f"{a}/{e}" for a, e in self._pairs)


_SECRET_KEYS = frozenset({"accesskey", "secretkey"})
REDACTED = "***"


def redact(value: Any) -> Any:
    """A copy of a parsed JSON body with every ``accessKey``/``secretKey`` value replaced by ``***``.

    Redaction is by key name at any depth (not only under ``storageConfig``), so a misplaced secret in a
    rejected body is hidden as well.
    """
    if isinstance(value, dict):
        return {k: (REDACTED if k.lower() in _SECRET_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class RequestLog:
    """The API requests received, in arrival order, as plain JSON-ready dicts (admin requests excluded)."""

    def __init__(self, limit: int = REQUEST_LOG_LIMIT) -> None:
        self._lock = threading.Lock()
        self._entries: Deque[JsonObject] = deque(maxlen=limit)
        self._seq = 0

    def next_seq(self) -> int:
        """Reserve the sequence number of a request at arrival, so ``seq`` follows arrival order even when
        a slow (delayed) request finishes after a later one."""
        with self._lock:
            self._seq += 1
            return self._seq

    def record(self, entry: JsonObject) -> None:
        """Store a finished request's entry, keeping the log sorted by ``seq``."""
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > 1 and self._entries[-2]["seq"] > entry["seq"]:
                ordered = sorted(self._entries, key=lambda e: int(e["seq"]))
                self._entries.clear()
                self._entries.extend(ordered)

    def entries(self) -> List[JsonObject]:
        """A copy of the log."""
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        """Forget every entry (``seq`` keeps counting)."""
        with self._lock:
            self._entries.clear()
