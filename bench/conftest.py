"""Shared benchmark settings.

Run the full suite with ``python -m pytest bench --benchmark-only``; CI runs it once with
``--benchmark-disable`` (every benchmark body runs once, at reduced size, so it never rots).
"""

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def full_size(benchmark):
    """True when timing for real; False under --benchmark-disable (then use small sizes)."""
    return not benchmark.disabled
