"""The Pulumi program the CLI runs for this project (see Pulumi.yaml).

Deliberately tiny: the logic lives in ``agora_pulumi.program`` so it is importable, typed and tested under
mocks; this file only exists because the Python runtime looks for ``__main__.py`` in the project directory.
"""

from agora_pulumi.program import main

main()
