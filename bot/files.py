"""Questions about paths the operator gave us, asked before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

WRITE_BITS = 0o222


def writable(path: Path) -> bool:
    """Whether this process may write ``path`` (a file or a folder), and whether anyone is meant to.

    Root may write anything on a writable file system, but a file or folder without a single write bit
    was made read-only on purpose; like ``rm`` asking before deleting one, we respect that even as root.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & WRITE_BITS)


def nearest_existing(path: Path) -> Path:
    """The path itself if it exists, else its closest existing ancestor (the folder that would be written)."""
    current = path.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    return current
