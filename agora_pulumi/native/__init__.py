"""The ``agora`` Pulumi package as a native provider, for programs in every Pulumi language.

Same core as the dynamic resources (:mod:`agora_pulumi.operations`, :mod:`agora_pulumi.set_operations`, the
model, rules and client); this package only adapts it to the engine's provider protocol
(:mod:`.provider`), describes it (:mod:`.schema`) and serves it (:mod:`.serve`). ``agora-pulumi provider
new DIR`` writes the plugin directory the Pulumi CLI runs (:mod:`.plugin`).
"""
