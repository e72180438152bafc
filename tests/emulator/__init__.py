"""Conformance tests of the local Agora FLS emulator (agora_pulumi.emulator)."""
