"""Progress reporting for long sweeps (tqdm bars), the same locally and on Dask."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(
    total: int, progress: bool | Callable[[int], None], desc: str = "runs"
) -> Iterator[Callable[[int], None] | None]:
    """Yield an ``advance(n)`` callback for ``total`` runs.

    A tqdm bar on stderr if ``progress`` is True, the caller's own callback if it is callable,
    None if it is false.
    """
    if callable(progress):
        yield progress
        return
    if not progress:
        yield None
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=desc, unit="run", file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update
