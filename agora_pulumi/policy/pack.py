"""The one place the ``agora-fls-snapshot`` ``PolicyPack`` is put together.

Both the pack shipped in this directory and every pack written by ``python -m agora_pulumi policy new`` call
:func:`serve`, so a generated pack in someone's infra repository runs exactly the policies of the installed
package version, and upgrading the package upgrades the pack. Constructing a :class:`pulumi_policy.PolicyPack`
starts the analyzer's gRPC server, prints its port and serves until the engine stops it: that is why this is
a function to call from a pack's ``__main__.py``, not something done at import time.
"""

from __future__ import annotations

from typing import Final

import pulumi_policy

from agora_pulumi.policy.policies import ALL_POLICIES

PACK_NAME: Final = "agora-fls-snapshot"
PACK_DESCRIPTION: Final = (
    "Guardrails for Agora FLS snapshot settings "
    "(agora_pulumi SnapshotSetting, StandardSnapshotSetting, CustomSnapshotSetting, SnapshotSettingSet)."
)


def serve() -> None:
    """Build the pack and serve it to the engine (returns only when the analyzer stops)."""
    # Looked up on the module at call time, so a test can stand in a recorder for PolicyPack.
    pulumi_policy.PolicyPack(
        name=PACK_NAME,
        description=PACK_DESCRIPTION,
        enforcement_level=pulumi_policy.EnforcementLevel.ADVISORY,
        policies=list(ALL_POLICIES),
    )
