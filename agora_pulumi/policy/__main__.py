"""Entry point of the ``agora-fls-snapshot`` policy pack: builds the ``PolicyPack`` and nothing else.

``pulumi-analyzer-policy-python`` starts ``python -m pulumi.policy <engine> <pack dir>``, which runs this file
with ``runpy``; constructing :class:`pulumi_policy.PolicyPack` starts the analyzer's gRPC server, prints its
port and serves until the engine stops it. The policies live in ``agora_pulumi.policy.policies`` so that
tests and other packs can reuse them; importing them loads only ``agora_pulumi.regions`` (the package's
``__init__`` is lazy), never the provider or its HTTP client.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack

from agora_pulumi.policy.policies import ALL_POLICIES

PolicyPack(
    name="agora-fls-snapshot",
    description="Guardrails for Agora FLS snapshot-capturing settings (agora_pulumi.SnapshotSetting).",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=list(ALL_POLICIES),
)
