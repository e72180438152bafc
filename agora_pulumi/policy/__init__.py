"""The ``agora-fls-snapshot`` CrossGuard policy pack for ``agora_pulumi.SnapshotSetting``.

Run it with ``pulumi preview --policy-pack agora_pulumi/policy`` (see the README). The policies live in
:mod:`agora_pulumi.policy.policies` so that other packs and tests can import them; ``__main__.py`` only
assembles the pack. This ``__init__`` deliberately imports nothing: importing the package must not start
pulling in ``pulumi_policy`` (or anything else) for code that only wants the pack's directory.
"""
