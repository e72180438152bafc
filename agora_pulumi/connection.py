"""One configured provider's connection to Agora: its configuration (or the error reading it) and one
pooled client, made on first use. Shared by the dynamic and the native provider; no Pulumi.

A configuration error is kept rather than raised so that a preview (check and diff only, no HTTP) works
without credentials; the first API call raises it, naming the key to fix.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from .client import AgoraClient
from .client_config import ClientConfig, near_misses
from .errors import ConfigurationError


class Connection:
    """What a configured provider needs at run time; never pickled, never logged."""

    def __init__(self, config: Union[ClientConfig, ConfigurationError]) -> None:
        self._config = config
        self._client: Optional[AgoraClient] = None
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls, get: Callable[[str], Any], environ: Optional[Mapping[str, str]] = None, keys: Iterable[str] = ()
    ) -> Connection:
        """From provider config (``get("agora:customerId")``…) and the environment. ``keys``, the config's
        keys when the front end knows them, let an error name a misspelt key (``agora:customerID``)."""
        try:
            return cls(ClientConfig.from_sources(get, os.environ if environ is None else environ))
        except ConfigurationError as exc:
            hints = near_misses(keys)
            return cls(ConfigurationError(" ".join([str(exc), *hints])) if hints else exc)

    @property
    def error(self) -> Optional[ConfigurationError]:
        return self._config if isinstance(self._config, ConfigurationError) else None

    def client(self) -> AgoraClient:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    if isinstance(self._config, ConfigurationError):
                        raise self._config
                    self._client = AgoraClient(self._config)
        return self._client
