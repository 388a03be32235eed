"""fastgd's kernel cache (fastgd._cache): no writable location, a shipped read-only cache,
damaged entries, two processes filling one cache, keys, ``fastgd cache info/clear``.

The subprocess tests share their compiles: one module of tiny kernels (a fraction of a second
each) stands for every kind of damage at once; only the read-only tests compile fastgd's own
XOR kernels (about 5 s per process), two of them side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fastgd

# root writes into read-only directories; in a new user namespace (``unshare --user``) it is
# the owner of its files without CAP_DAC_OVERRIDE, so chmod a-w holds for it as for anyone.
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
UNPRIVILEGED = ("unshare", "--user") if ROOT_USER else ()


# --------------------------------------------------------------------------------------------
# helpers


def _env(**values) -> dict:
    """The environment of a child: no inherited cache settings, then ``values`` (None: unset)."""
    env = dict(os.environ)
    for name in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "NUMBA_CACHE_LOCATOR_CLASSES"):
        env.pop(name, None)
    for name, value in values.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def _start(
    script: str, env: dict, cwd, unprivileged: bool = False, argv: tuple = ()
) -> subprocess.Popen:
    prefix = UNPRIVILEGED if unprivileged else ()
    return subprocess.Popen(
        [*prefix, sys.executable, "-c", textwrap.dedent(script), *argv],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen, timeout: float = 300) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"child exited with {proc.returncode}\n{out}\n{err}"
    return json.loads(out.strip().splitlines()[-1])


def _run(script: str, env: dict, cwd, unprivileged: bool = False) -> dict:
    return _finish(_start(script, env, cwd, unprivileged))


# Records CacheWarnings and prints one JSON line: what the tests look at.
_RECORD = """
import json, warnings
warnings.simplefilter("always")
_caught = warnings.catch_warnings(record=True)
_log = _caught.__enter__()
def report(**values):
    values["warnings"] = [str(w.message) for w in _log if w.category.__name__ == "CacheWarning"]
    print(json.dumps(values))
"""


def _stats(dispatcher) -> tuple[int, int]:
    stats = dispatcher.stats
    return sum(stats.cache_hits.values()), sum(stats.cache_misses.values())


# --------------------------------------------------------------------------------------------
# no writable location; a shipped read-only cache (fastgd's own kernels, in a copy of fastgd)

_TRAIN = (
    _RECORD
    + """
import fastgd
from fastgd.kernels import xor
res = fastgd.train_xor(1.0, steps=10)
stats = {k.__name__: [sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())]
         for k in (xor.train_runs, xor.train_block, xor._sigmoid_inplace)}
report(file=fastgd.__file__, errors=res.errors.tolist(), w0=res.synapse_0.tolist(),
       w1=res.synapse_1.tolist(), stats=stats)
"""
)


def _copy_package(dest: Path) -> Path:
    """A copy of fastgd's sources (no caches) in ``dest``; returns it (the PYTHONPATH entry)."""
    source = Path(fastgd.__file__).parent
    shutil.copytree(source, dest / "fastgd", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _set_writable(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~bits)


@pytest.fixture
def read_only_dirs(tmp_path):
    """Directories the test makes read-only (and writable again afterwards, to clean up)."""
    if ROOT_USER:
        probe = subprocess.run([*UNPRIVILEGED, "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("running as root without user namespaces: cannot make a read-only dir")
    for name in ("ro-numba-cache", "ro-home"):
        (tmp_path / name).mkdir()
    locked: list[Path] = []
    yield tmp_path, locked
    for path in locked:
        _set_writable(path, True)


def _read_only_env(base: Path, pythonpath: Path) -> dict:
    return _env(
        PYTHONPATH=pythonpath,
        NUMBA_CACHE_DIR=base / "ro-numba-cache",
        HOME=base / "ro-home",
    )


def _lock(locked: list, *paths: Path) -> None:
    for path in paths:
        _set_writable(path, False)
        locked.append(path)


def test_read_only_install_compiles_in_memory_then_uses_a_shipped_cache(read_only_dirs):
    base, locked = read_only_dirs
    expected = fastgd.train_xor(1.0, steps=10)

    # 1. no cache anywhere and nowhere to write, and 2. (meanwhile) build a cache in a copy
    nocache = _copy_package(base / "nocache")
    shipped = _copy_package(base / "shipped")
    _lock(locked, nocache, base / "ro-numba-cache", base / "ro-home")
    in_memory = _start(_TRAIN, _read_only_env(base, nocache), nocache, unprivileged=True)
    build = _start(_TRAIN, _env(PYTHONPATH=shipped), shipped)
    first, built = _finish(in_memory), _finish(build)

    assert first["file"].startswith(str(nocache))
    assert first["errors"] == expected.errors.tolist()
    assert first["w0"] == expected.synapse_0.tolist()
    assert first["w1"] == expected.synapse_1.tolist()
    assert all(misses >= 1 and hits == 0 for hits, misses in first["stats"].values())
    assert len(first["warnings"]) == 1, first["warnings"]  # said once, not once per kernel
    assert "compiling in memory" in first["warnings"][0]
    assert not list(nocache.rglob("*.nbi"))

    assert built["stats"]["train_runs"][1] == 1 and built["warnings"] == []
    assert list((shipped / "fastgd" / "kernels" / "__pycache__").glob("xor.*.nbi"))

    # 3. the copy with its cache, now read-only: found, nothing compiled, nothing said
    _lock(locked, shipped)
    loaded = _run(_TRAIN, _read_only_env(base, shipped), shipped, unprivileged=True)
    assert loaded["errors"] == expected.errors.tolist()
    assert loaded["w0"] == expected.synapse_0.tolist()
    assert loaded["stats"]["train_runs"] == [1, 0]  # a hit, no compile
    assert all(misses == 0 for _, misses in loaded["stats"].values())
    assert loaded["warnings"] == []


# --------------------------------------------------------------------------------------------
# damaged entries: every kind at once, in one module of tiny kernels

_KERNELS = {  # name: (body, damage done to its files)
    "k_trunc_data": ("x * 2.0 + 1.0", "truncate the data file"),
    "k_garbage_data": ("x * 3.0 + 1.0", "replace the data file with garbage"),
    "k_flip_data": ("x * 4.0 + 1.0", "flip one byte in the middle of the data file"),
    "k_swap_a": ("x * 5.0 + 1.0", "swap its data file with k_swap_b's"),
    "k_swap_b": ("x * 6.0 - 1.0", "(swapped with k_swap_a)"),
    "k_trunc_index": ("x * 7.0 + 1.0", "truncate the index"),
    "k_garbage_index": ("x * 8.0 + 1.0", "replace the index with garbage"),
    "k_flip_index": ("x * 9.0 + 1.0", "flip one byte in the index"),
    "k_bad_payload": ("x * 10.0 + 1.0", "a payload that passes its digest but cannot load"),
    "k_intact": ("x * 11.0 + 1.0", "none"),
}
_FACTORS = {name: body for name, (body, _) in _KERNELS.items()}

_MODULE = "from fastgd._jit import jit\n" + "".join(
    f"\n\n@jit\ndef {name}(x):\n    return {body}\n" for name, body in _FACTORS.items()
)

_CALL_ALL = (
    _RECORD
    + """
import sys
import numpy as np
import tinykernels as m
x = np.arange(5.0)
results, stats = {}, {}
for name in NAMES:
    kernel = getattr(m, name)
    results[name] = kernel(x).tolist()
    stats[name] = [sum(kernel.stats.cache_hits.values()), sum(kernel.stats.cache_misses.values())]
if "--bad-payload" in sys.argv:  # an entry whose digest is right but whose contents are not
    writer = m.k_bad_payload._cache._writer
    for key in list(writer.read_index()):
        writer.add(key, ("not", "a", "compile result"))
report(results=results, stats=stats)
""".replace("NAMES", repr(list(_FACTORS)))
)


def _expected(body: str) -> list:
    x = np.arange(5.0)
    return eval(body, {"x": x}).tolist()  # our own constant strings above


def _files_of(cache: Path, name: str) -> tuple[Path, Path]:
    (index,) = cache.rglob(f"tinykernels.{name}-*.nbi")
    (data,) = cache.rglob(f"tinykernels.{name}-*.nbc")
    return index, data


def _flip(path: Path, where: float = 0.5) -> None:
    raw = bytearray(path.read_bytes())
    raw[int(len(raw) * where)] ^= 0x40
    path.write_bytes(bytes(raw))


def _damage(cache: Path) -> None:
    rng = np.random.default_rng(7)
    _, data = _files_of(cache, "k_trunc_data")
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    _, data = _files_of(cache, "k_garbage_data")
    data.write_bytes(rng.bytes(data.stat().st_size))
    _, data = _files_of(cache, "k_flip_data")
    _flip(data)
    (_, a), (_, b) = _files_of(cache, "k_swap_a"), _files_of(cache, "k_swap_b")
    raw_a, raw_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(raw_b)
    b.write_bytes(raw_a)
    index, _ = _files_of(cache, "k_trunc_index")
    index.write_bytes(index.read_bytes()[:40])
    index, _ = _files_of(cache, "k_garbage_index")
    index.write_bytes(rng.bytes(index.stat().st_size))
    index, _ = _files_of(cache, "k_flip_index")
    _flip(index, 0.7)


@pytest.fixture
def tiny_module(tmp_path):
    module_dir = tmp_path / "module"
    module_dir.mkdir()
    (module_dir / "tinykernels.py").write_text(_MODULE)
    return module_dir


def test_damaged_cache_entries_are_dropped_recompiled_and_reported(tmp_path, tiny_module):
    cache = tmp_path / "cache"
    env = _env(NUMBA_CACHE_DIR=cache, PYTHONPATH=tiny_module)
    expected = {name: _expected(body) for name, body in _FACTORS.items()}

    # the first run compiles everything, then plants a bad payload with a valid digest
    built = _finish(_start(_CALL_ALL, env, tmp_path, argv=("--bad-payload",)))
    assert built["results"] == expected and built["warnings"] == []
    _damage(cache)

    recovered = _run(_CALL_ALL, env, tmp_path)
    assert recovered["results"] == expected
    damaged = [name for name in _FACTORS if name != "k_intact"]
    for name in damaged:
        assert recovered["stats"][name] == [0, 1], name  # a miss: recompiled
    assert recovered["stats"]["k_intact"] == [1, 0]
    text = "\n".join(recovered["warnings"])
    for name in damaged:
        assert f"'{name}'" in text, (name, text)
    assert all("recompiling" in w for w in recovered["warnings"])

    again = _run(_CALL_ALL, env, tmp_path)  # the recompiled entries were saved: all hits
    assert again["results"] == expected
    assert all(stat == [1, 0] for stat in again["stats"].values()), again["stats"]
    assert again["warnings"] == []
    assert not list(cache.rglob("*.tmp.*"))


# --------------------------------------------------------------------------------------------
# two processes filling one empty cache at the same moment

_RACE = (
    _RECORD
    + """
import os, sys, time
import numpy as np
flag = sys.argv[1]
open(flag + "." + str(os.getpid()), "w").close()
while len([n for n in os.listdir(os.path.dirname(flag)) if n.startswith("go.")]) < 2:
    time.sleep(0.005)  # start compiling together
import tinykernels as m
results = {}
for name in NAMES:
    kernel = getattr(m, name)
    results[name] = [kernel(np.arange(5.0)).tolist(), kernel(np.arange(3, dtype=np.int64)).tolist()]
report(results=results)
""".replace("NAMES", repr(list(_FACTORS)))
)


def test_two_processes_fill_one_cache_at_once(tmp_path, tiny_module):
    cache, flags = tmp_path / "cache", tmp_path / "flags"
    flags.mkdir()
    env = _env(NUMBA_CACHE_DIR=cache, PYTHONPATH=tiny_module)
    procs = [_start(_RACE, env, tmp_path, argv=(str(flags / "go"),)) for _ in range(2)]
    outputs = [_finish(proc) for proc in procs]
    for out in outputs:
        assert out["warnings"] == []
        for name, body in _FACTORS.items():
            x = np.arange(3, dtype=np.int64)
            assert out["results"][name] == [_expected(body), eval(body, {"x": x}).tolist()]
    assert not list(cache.rglob("*.tmp.*"))

    after = _run(_CALL_ALL, env, tmp_path)  # whatever the interleaving, a clean cache
    assert after["warnings"] == []
    assert after["results"] == {name: _expected(body) for name, body in _FACTORS.items()}
    assert sum(hits for hits, _ in after["stats"].values()) >= 1
