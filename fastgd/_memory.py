"""How much memory there is, so that a request too large is refused before anything is allocated.

A result that cannot fit (``steps=10**12`` with ``log_every=1`` asks for a checkpoint per step)
would otherwise fail deep inside numpy with a ``MemoryError`` after minutes of work, or get the
process killed. The checks compare the bytes a call will hold against what the machine has
available now and raise a ``ValueError`` that names the arguments and the size.
"""

from __future__ import annotations

import os


def available_bytes() -> int | None:
    """Memory available to a new allocation now (Linux ``MemAvailable``), or physical memory."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def check_fits(nbytes: int, what: str) -> None:
    """Raise ``ValueError`` if ``nbytes`` cannot fit in the memory available now.

    ``what`` says what needs the memory, naming the arguments responsible.
    """
    available = available_bytes()
    if available is not None and nbytes > available:
        raise ValueError(
            f"{what} needs {format_bytes(nbytes)}, more than the {format_bytes(available)} "
            "of memory available"
        )
