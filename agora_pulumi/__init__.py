"""Agora FLS snapshot-capturing settings as Pulumi resources.

``from agora_pulumi import SnapshotSetting, StorageConfigArgs`` is all an infra program needs; the
provider, client and model modules are importable for code that wants the pieces.
"""

from ._version import __version__
from .errors import AgoraError
from .regions import Vendor
from .resource import TYPE_TOKEN, SnapshotSetting, SnapshotSettingArgs, StorageConfigArgs

__all__ = [
    "TYPE_TOKEN",
    "AgoraError",
    "SnapshotSetting",
    "SnapshotSettingArgs",
    "StorageConfigArgs",
    "Vendor",
    "__version__",
]
