"""``python -m agora_pulumi``: the package's command line (see :mod:`agora_pulumi.cli`)."""

from agora_pulumi.cli import main

raise SystemExit(main())
