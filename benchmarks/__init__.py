"""Benchmarks of the Agora snapshot-setting provider (``python -m benchmarks``; see ``benchmarks/README.md``).

Kept import-free on purpose: the floor provider (:mod:`benchmarks.floor_provider`) is unpickled inside the
provider process, which imports this package, and that import must not add to the measured cold start.
"""
