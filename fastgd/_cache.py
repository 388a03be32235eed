"""fastgd's use of Numba's disk cache: never a reason for an import or a call to fail.

Numba raises at decoration time when no cache location is writable; here that compiles in
memory instead, with one warning.
"""

from __future__ import annotations

import warnings


class CacheWarning(UserWarning):
    """The disk cache cannot be used: fastgd compiles in memory (slower first calls)."""


_warned = False


def enable(dispatcher) -> None:
    """Give ``dispatcher`` a disk cache, or leave it compiling in memory (with one warning)."""
    global _warned
    try:
        dispatcher.enable_caching()
    except RuntimeError as exc:  # "cannot cache function ...: no locator available"
        if not _warned:
            _warned = True
            warnings.warn(
                f"fastgd cannot write a kernel cache ({exc}); compiling in memory. "
                "Set NUMBA_CACHE_DIR to a writable directory to keep compiled kernels.",
                CacheWarning,
                stacklevel=3,
            )
