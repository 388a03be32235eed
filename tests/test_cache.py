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
from fastgd.cli import main

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


def _run(script: str, env: dict, cwd, unprivileged: bool = False, argv: tuple = ()) -> dict:
    return _finish(_start(script, env, cwd, unprivileged, argv))


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
from fastgd.cli import main
from fastgd.kernels import network
res = fastgd.train_xor(1.0, steps=10)
stats = {k.__name__: [sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())]
         for k in (network.train_runs, network.train_block, network._hidden_layer)}
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
    assert list((shipped / "fastgd" / "kernels" / "__pycache__").glob("network.*.nbi"))

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

_RACERS = list(_FACTORS)[:4]  # two signatures each: several entries per index to race on

_RACE = (
    _RECORD
    + """
import os, sys, time
import numpy as np
flag = sys.argv[1]
if flag != "-":  # start compiling together
    open(flag + "." + str(os.getpid()), "w").close()
    while len([n for n in os.listdir(os.path.dirname(flag)) if n.startswith("go.")]) < 2:
        time.sleep(0.005)
import tinykernels as m
results, hits = {}, 0
for name in NAMES:
    kernel = getattr(m, name)
    results[name] = [kernel(np.arange(5.0)).tolist(), kernel(np.arange(3, dtype=np.int64)).tolist()]
    hits += sum(kernel.stats.cache_hits.values())
report(results=results, hits=hits)
""".replace("NAMES", repr(_RACERS))
)


def test_two_processes_fill_one_cache_at_once(tmp_path, tiny_module):
    cache, flags = tmp_path / "cache", tmp_path / "flags"
    flags.mkdir()
    env = _env(NUMBA_CACHE_DIR=cache, PYTHONPATH=tiny_module)
    x = np.arange(3, dtype=np.int64)
    expected = {
        name: [_expected(_FACTORS[name]), eval(_FACTORS[name], {"x": x}).tolist()]
        for name in _RACERS
    }
    procs = [_start(_RACE, env, tmp_path, argv=(str(flags / "go"),)) for _ in range(2)]
    for out in [_finish(proc) for proc in procs]:
        assert out["warnings"] == [] and out["results"] == expected
    assert not list(cache.rglob("*.tmp.*"))

    after = _run(_RACE, env, tmp_path, argv=("-",))  # whatever the interleaving: a clean cache
    assert after["warnings"] == [] and after["results"] == expected
    assert after["hits"] >= 1


# --------------------------------------------------------------------------------------------
# in this process: keys, fallbacks, locations (tiny functions, milliseconds to compile)


@pytest.fixture
def scratch_cache(tmp_path, monkeypatch):
    """NUMBA_CACHE_DIR (as Numba reads it) and the user-wide cache redirected to tmp_path."""
    from numba.core import config

    from fastgd import _cache

    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "numba-cache"))
    monkeypatch.setattr(_cache, "_user_wide_root", lambda: tmp_path / "user-wide")
    return tmp_path / "numba-cache"


def _module(tmp_path: Path, name: str, source: str):
    """Import ``source`` as a module from a file (Numba caches functions defined in files)."""
    import importlib.util

    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fresh(py_func, **options):
    """A new dispatcher of ``py_func`` with fastgd's cache: it sees only what is on disk."""
    import numba

    from fastgd import _cache

    dispatcher = numba.njit(py_func)
    assert _cache.enable(dispatcher, **options)
    return dispatcher


def test_key_extra_keeps_compiles_made_with_other_global_values_apart(tmp_path, scratch_cache):
    from fastgd._cache import key_bytes

    mod = _module(tmp_path, "scaled", "SCALE = 2.0\ndef f(x):\n    return SCALE * x\n")
    assert _fresh(mod.f)(1.0) == 2.0
    mod.SCALE = 3.0
    stale = _fresh(mod.f)
    assert stale(1.0) == 2.0  # Numba's limitation: the global's value is not in the key
    assert _stats(stale) == (1, 0)

    def keyed():
        return _fresh(mod.f, key_extra=lambda: key_bytes(mod.SCALE))

    first = keyed()
    assert first(1.0) == 3.0 and _stats(first) == (0, 1)
    again = keyed()
    assert again(1.0) == 3.0 and _stats(again) == (1, 0)
    mod.SCALE = 2.0
    assert keyed()(1.0) == 2.0
    mod.SCALE = 3.0
    both_kept = keyed()
    assert both_kept(1.0) == 3.0 and _stats(both_kept) == (1, 0)
    fixed = _fresh(mod.f, key_extra=key_bytes(3.0))  # plain bytes work too
    assert fixed(1.0) == 3.0


def test_key_bytes_tells_values_and_types_apart():
    from fastgd._cache import key_bytes

    assert key_bytes(1.0) != key_bytes(1) != key_bytes(True)
    assert key_bytes(0.1) != key_bytes(np.nextafter(0.1, 1.0))
    assert key_bytes((1, 2), 3) != key_bytes(1, (2, 3))
    assert key_bytes(np.zeros(2)) != key_bytes(np.zeros(2, np.float32)) != key_bytes(np.zeros(3))
    assert key_bytes("a", b"a", None) == key_bytes("a", b"a", None)
    with pytest.raises(TypeError, match="key_bytes cannot identify a value of type object"):
        key_bytes(object())


def test_enable_checks_key_extra_and_leaves_non_dispatchers_alone():
    import numba

    from fastgd._cache import enable

    assert enable(lambda x: x) is False  # e.g. what NUMBA_DISABLE_JIT=1 leaves
    with pytest.raises(TypeError, match="key_extra must be bytes"):
        enable(numba.njit(lambda x: x), key_extra="text")


def test_function_without_a_source_file_compiles_in_memory_without_a_warning(recwarn):
    import numba

    from fastgd._cache import CacheWarning

    namespace = {}
    exec(compile("def g(x):\n    return x + 1\n", "<generated>", "exec"), namespace)
    dispatcher = _fresh(namespace["g"])
    assert dispatcher(1) == 2
    assert dispatcher.stats.cache_path is None
    assert not [w for w in recwarn if issubclass(w.category, CacheWarning)]
    assert isinstance(numba.njit(namespace["g"]), numba.core.registry.CPUDispatcher)


def test_unexpected_numba_internals_fall_back_to_numbas_own_cache(
    tmp_path, scratch_cache, monkeypatch
):
    from numba.core import caching

    from fastgd import _cache

    def changed(py_func):
        raise AttributeError("'InTreeCacheLocator' object has no attribute 'get_cache_path'")

    monkeypatch.setattr(_cache, "_places", changed)
    monkeypatch.setattr(_cache, "_warned", set())
    mod = _module(tmp_path, "fallback", "def h(x):\n    return 2 * x\n")
    dispatcher = _fresh(mod.h)
    with pytest.warns(_cache.CacheWarning, match="using Numba's default cache"):
        assert dispatcher(4) == 8
    assert type(dispatcher._cache._fallback) is caching.FunctionCache
    assert _fresh(mod.h)(4) == 8


def test_numba_cache_locator_classes_are_respected(tmp_path, scratch_cache, monkeypatch):
    import numba
    from numba.core import caching, config

    from fastgd._cache import enable

    monkeypatch.setattr(config, "CACHE_LOCATOR_CLASSES", "UserProvidedCacheLocator")
    mod = _module(tmp_path, "located", "def k(x):\n    return x - 1\n")
    dispatcher = numba.njit(mod.k)
    assert enable(dispatcher)
    assert type(dispatcher._cache) is caching.FunctionCache


def test_stamp_covers_the_fastgd_modules_a_kernel_module_imports(tmp_path, monkeypatch):
    from fastgd import _cache

    copy = tmp_path / "fastgd"
    shutil.copytree(Path(_cache.__file__).parent, copy, ignore=shutil.ignore_patterns("__py*"))
    monkeypatch.setattr(_cache, "_PACKAGE_DIR", copy.resolve())
    xor = (copy / "kernels" / "network.py").resolve()
    deps = {p.relative_to(copy.resolve()).as_posix() for p in _cache._fastgd_imports(xor)}
    assert {"kernels/network.py", "kernels/fastexp.py", "_jit.py"} <= deps
    assert "_cache.py" not in deps and "cli/sweep.py" not in deps
    before = _cache._dependency_digest(str(xor))
    (copy / "cli" / "sweep.py").write_text("# unrelated edit\n")
    assert _cache._dependency_digest(str(xor)) == before
    with (copy / "kernels" / "fastexp.py").open("a") as f:
        f.write("\n# an edit of an inlined helper\n")
    assert _cache._dependency_digest(str(xor)) != before


def test_expression_dir_follows_numbas_rules(tmp_path, monkeypatch):
    from numba.core import config

    from fastgd import _cache

    package = tmp_path / "site-packages" / "fastgd"
    package.mkdir(parents=True)
    monkeypatch.setattr(_cache, "_PACKAGE_DIR", package)
    monkeypatch.setattr(_cache, "_user_wide_root", lambda: tmp_path / "home-cache" / "numba")
    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "nc"))
    assert _cache.expression_dir() == tmp_path / "nc" / "fastgd_expressions"
    monkeypatch.setattr(config, "CACHE_DIR", "")
    assert _cache.expression_dir(create=False) is None  # nothing created yet
    assert _cache.expression_dir() == package / "__pycache__" / "fastgd_expressions"

    writable = _cache._writable_dir
    monkeypatch.setattr(_cache, "_writable_dir", lambda p: package not in p.parents and writable(p))
    assert _cache.expression_dir() == tmp_path / "home-cache" / "numba" / "fastgd_expressions"
    monkeypatch.setattr(_cache, "_writable_dir", lambda p: False)
    assert _cache.expression_dir() is None


def _plant(path: Path, size: int = 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def _scratch_dirs(tmp_path):
    from fastgd import _cache

    return [d for d in _cache.cache_dirs() if tmp_path in d.path.parents]


def test_info_and_clear_see_only_fastgds_files(tmp_path, scratch_cache, monkeypatch, capsys):
    from fastgd import _cache

    kernels = Path(_cache.__file__).parent / "kernels"
    ours = scratch_cache / _cache._subpath(kernels)
    mine = [
        _plant(ours / "network.train_block-46.py311.nbi", 300),
        _plant(ours / "network.train_block-46.py311.0123456789abcdef.nbc", 700),
        _plant(ours / "network.train_block-46.py311.nbi.tmp.abcdef", 10),
        _plant(tmp_path / "user-wide" / _cache._subpath(kernels) / "fastexp.exp-63.py311.nbi"),
    ]
    expressions = scratch_cache / "fastgd_expressions"
    generated = [_plant(expressions / "expr_0123.py", 50), _plant(expressions / "sub" / "x.nbi")]
    theirs = [
        _plant(ours / "README.txt"),  # not a cache entry
        _plant(ours / "othermodule.f-3.py311.nbi"),  # not a module of fastgd/kernels
        _plant(scratch_cache / "otherpkg_0123abcd" / "mod.f-3.py311.nbi"),
        _plant(tmp_path / "user-wide" / "otherpkg_0123abcd" / "mod.f-3.py311.nbc"),
    ]
    scratch = _scratch_dirs(tmp_path)  # never the real package's in-tree cache
    monkeypatch.setattr(_cache, "cache_dirs", lambda: scratch)

    report = _cache.info()
    assert report.entries == 1  # one .nbc; 3 .nbi (one a temp file) elsewhere
    assert report.size == 300 + 700 + 10 + 100 + 50 + 100
    assert report.write == ("NUMBA_CACHE_DIR", ours)
    assert report.expressions == expressions
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(ours) in out and "NUMBA_CACHE_DIR" in out and str(expressions) in out

    assert main(["cache", "clear"]) == 0
    out = capsys.readouterr().out
    assert "removed 6 files" in out
    assert not any(p.exists() for p in mine + generated)
    assert not expressions.exists()
    assert all(p.exists() for p in theirs)


def test_generated_modules_are_written_whole_and_once(tmp_path, scratch_cache):
    from fastgd import _cache

    source = "def f(x):\n    return x + 1\n"
    path = _cache.write_expression_module("expr_0123abcd", source)
    assert path == scratch_cache / "fastgd_expressions" / "expr_0123abcd.py"
    assert path.read_text() == source and stat.S_IMODE(path.stat().st_mode) == 0o644
    mtime = path.stat().st_mtime_ns
    assert _cache.write_expression_module("expr_0123abcd", source) == path
    assert path.stat().st_mtime_ns == mtime  # same text: not rewritten
    assert [p.name for p in path.parent.iterdir()] == ["expr_0123abcd.py"]  # no temp files
    with pytest.raises(ValueError, match="must be a Python identifier"):
        _cache.write_expression_module("../escape", source)


def test_import_works_with_numba_jit_disabled():
    # NUMBA_DISABLE_JIT=1 (coverage, debugging) leaves plain functions: nothing to cache
    code = "import fastgd, fastgd.kernels.network as k; assert not hasattr(k.train_runs, 'stats')"
    subprocess.run([sys.executable, "-c", code], check=True, env=_env(NUMBA_DISABLE_JIT=1))


def test_cache_info_without_a_writable_location_and_clear_dry_run(
    tmp_path, scratch_cache, monkeypatch, capsys
):
    from fastgd import _cache

    kernels = Path(_cache.__file__).parent / "kernels"
    entry = _plant(scratch_cache / _cache._subpath(kernels) / "network.train_runs-139.py311.nbi")
    scratch = _scratch_dirs(tmp_path)
    monkeypatch.setattr(_cache, "cache_dirs", lambda: scratch)
    monkeypatch.setattr(_cache, "write_location", lambda: None)
    assert main(["cache", "info"]) == 0
    assert "compiled in memory (no writable cache location" in capsys.readouterr().out
    assert main(["cache", "clear", "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == str(entry)
    assert entry.exists()


def test_numba_and_fastgd_ignore_each_others_index_files(tmp_path, scratch_cache, recwarn):
    import numba

    from fastgd._cache import CacheWarning

    mod = _module(tmp_path, "shared", "def s(x):\n    return x * 3\n")

    def numbas():
        dispatcher = numba.njit(mod.s)
        dispatcher.enable_caching()
        return dispatcher

    assert numbas()(2) == 6  # Numba's own index and data file
    ours = _fresh(mod.s)
    assert ours(2) == 6 and _stats(ours) == (0, 1)  # "another version": a miss, not damage
    theirs = numbas()
    assert theirs(2) == 6 and _stats(theirs) == (0, 1)  # and Numba reads ours the same way
    assert not [w for w in recwarn if issubclass(w.category, CacheWarning)]
