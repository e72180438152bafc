"""The ``agora-fls-snapshot`` CrossGuard policy pack for the Agora FLS snapshot settings
(``SnapshotSetting``, ``StandardSnapshotSetting``, ``CustomSnapshotSetting``).

From a checkout, run it with ``pulumi preview --policy-pack agora_pulumi/policy``; from an infra repository
that installed the package, write a pack with ``python -m agora_pulumi policy new ./policy``
(:mod:`.scaffold`) and use that (see docs/policy.md). The policies live in :mod:`agora_pulumi.policy.policies` so
that other packs and tests can import them; :func:`agora_pulumi.policy.pack.serve` assembles the pack for
this directory's ``__main__.py`` and every generated one. This ``__init__`` deliberately imports nothing:
importing the package must not start pulling in ``pulumi_policy`` (or anything else) for code that only wants
the pack's directory.
"""
