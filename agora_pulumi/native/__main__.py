"""``python -m agora_pulumi.native <engine address>``: serve the ``agora`` package's native provider.

The plugin directory written by ``agora-pulumi provider new`` runs this, as the Pulumi CLI starts a Python
provider: ``<plugin dir>/venv/bin/python <plugin dir> <engine address>``.
"""

from __future__ import annotations

from .serve import main

if __name__ == "__main__":
    main()
