"""Writing the files the commands generate (``adopt --output``, ``--keys-file``, ``policy new``) without ever
writing through a symlink.

A path given on the command line, or a file in a pack directory, may be a link to something precious (a
stack's ``Pulumi.prod.yaml`` with its ``encryptionsalt``, a file outside the pack). Writing with ``open(path,
"w")`` follows the link and replaces the target. Here a new file is created with ``O_EXCL``, which refuses any
existing path, a link included, and a replacement is written to a temporary file beside the path and renamed
over it: a rename replaces the link itself, never its target. No Pulumi, no HTTP.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_new(path: Path, text: str, mode: int = 0o666) -> None:
    """Create ``path`` holding ``text``; ``FileExistsError`` if anything (a symlink too) is there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def replace(path: Path, text: str) -> None:
    """Put a new file holding ``text`` at ``path``, replacing what is there (a symlink itself, not its target).

    The new file gets the permissions a fresh ``open`` would give it (0666 less the umask)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
