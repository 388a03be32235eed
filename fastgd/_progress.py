"""Progress bars for long sweeps (tqdm), the same locally and on Dask."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(
    total: int, enabled: bool, desc: str = "runs"
) -> Iterator[Callable[[int], None] | None]:
    """Yield an ``advance(n)`` callback drawing a bar on stderr, or None when disabled."""
    if not enabled:
        yield None
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=desc, unit="run", file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update
