"""Output paths of the CLI, checked before any computation (placeholder until merged)."""

from __future__ import annotations

import os
from pathlib import Path


def check_output_paths(paths: dict[str, str | None]) -> None:
    """Raise ``ValueError`` naming the flag of any output path that cannot be written."""
    for flag, path in paths.items():
        if not path or path == "-":
            continue
        target = Path(path)
        if target.is_dir():
            raise ValueError(f"{flag} {path!r} is a directory")
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.is_dir():
            raise ValueError(f"{flag} {path!r}: directory {str(parent)!r} does not exist")
        if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
            raise ValueError(f"{flag} {path!r} is not writable")
