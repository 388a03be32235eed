"""The descent engine's compiled code in the disk cache: found by the next process, and never
stale (issue 11's second process compiles nothing; issue 7's changed globals)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT_MODULE = """
import numpy as np

SCALE = 1.0


def scaled(p):
    return (p[0] - SCALE) ** 2 + (p[1] + 2 * SCALE) ** 2


def bowl(p):
    return (p[0] - 1) ** 2 + np.sin(p[1]) ** 2
"""

RUN = """
import json, sys
sys.path.insert(0, {directory!r})
import fastgd, objectives
from fastgd import _objectives
from fastgd.kernels import descent as kernels
objectives.SCALE = {scale}
results = {{}}
for name in ("scaled", "bowl"):
    fun = getattr(objectives, name)
    res = fastgd.minimize(fun, [0.0, 0.0], jac="central", max_iter=2000)
    native, _ = _objectives.lookup(fun, None, ())
    code = native.keep_alive[0]
    results[name] = dict(
        x=res.x.tolist(),
        hits=sum(code.stats.cache_hits.values()),
        misses=sum(code.stats.cache_misses.values()),
    )
results["kernel_hits"] = sum(kernels.descend.stats.cache_hits.values())
results["fprime"] = fastgd.approx_fprime([0.5, 0.5], objectives.bowl).tolist()
results["fprime_hits"] = sum(kernels.approx_fprime.stats.cache_hits.values())
print(json.dumps(results))
"""


def _run(tmp_path, scale: float) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    code = RUN.format(directory=str(tmp_path), scale=scale)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.fixture
def objectives_file(tmp_path):
    (tmp_path / "objectives.py").write_text(textwrap.dedent(SCRIPT_MODULE))
    return tmp_path


def test_a_second_process_compiles_nothing_and_changed_globals_are_not_stale(objectives_file):
    first = _run(objectives_file, 1.0)
    assert first["bowl"]["misses"] == 1 and first["kernel_hits"] == 0

    second = _run(objectives_file, 1.0)  # the same script again: everything from the disk
    assert second["bowl"] == dict(first["bowl"], hits=1, misses=0)
    assert second["scaled"]["hits"] == 1 and second["kernel_hits"] >= 1
    assert second["fprime_hits"] >= 1 and second["fprime"] == first["fprime"]

    changed = _run(objectives_file, 3.0)  # SCALE changed: a new compile, not the old code
    assert changed["scaled"]["misses"] == 1
    assert changed["scaled"]["x"] == pytest.approx([3.0, -6.0], abs=1e-3)
    assert first["scaled"]["x"] == pytest.approx([1.0, -2.0], abs=1e-3)

    back = _run(objectives_file, 1.0)  # and the first compile is still on disk
    assert back["scaled"] == dict(first["scaled"], hits=1, misses=0)
