"""Test tooling, for this package's tests and benchmarks and for users testing their own programs.

* :mod:`agora_pulumi.testing.engine` drives ``python -m pulumi.dynamic`` over gRPC as the engine does.
* :mod:`agora_pulumi.testing.emulator` starts the Agora emulator on a free loopback port and talks to its
  admin API.

No production module imports this package.
"""
