"""Shared benchmark settings.

Run the full suite with ``python -m pytest bench --benchmark-only``; CI runs it once with
``--benchmark-disable`` (every benchmark body runs once, at reduced size, so it never rots).
"""

import os

# The notebook's matrices are 4x3 and 4x4: BLAS threads cannot speed the reference up (measured:
# the same 5.0 s either way), but after each np.dot they spin for a while on the cores that
# fastgd's threads need, which made fastgd's sweep measured right after the reference up to
# 1.8x slower. One BLAS thread keeps the comparison about the code, not the neighbours.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")


@pytest.fixture
def full_size(benchmark):
    """True when timing for real; False under --benchmark-disable (then use small sizes)."""
    return not benchmark.disabled
