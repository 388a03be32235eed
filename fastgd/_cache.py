"""fastgd's use of Numba's disk cache: never a reason for an import or a call to fail.

Every kernel declared with :func:`fastgd._jit.jit` gets its disk cache from :func:`enable`.
It keeps Numba's file layout and Numba's rules for *where* compiled code goes, and adds what
fastgd needs to be dependable (see docs/cache.md):

* **Where.** New entries go to the first writable location in Numba's order:
  ``NUMBA_CACHE_DIR``, the ``__pycache__`` next to the source ("in-tree"), the user-wide
  cache (``~/.cache/numba``). When none is writable the kernels compile in memory and one
  :class:`CacheWarning` says so; nothing raises. A read-only in-tree ``__pycache__`` (a cache
  shipped with the package in a read-only site-packages), which Numba itself refuses, is
  *read*: its entries are used when their index stamps still match.
* **Damage.** The index records a sha256 digest of each data file and of its own contents;
  both are checked before anything is unpickled or any machine code is loaded. An entry that
  fails the check, or fails to load for any other reason, is a miss: it is dropped, the
  kernel recompiles, and a :class:`CacheWarning` names the file.
* **Concurrency.** Every file is written to a temporary name and moved into place with
  ``os.replace`` (as Numba does). Data files are named by their digest, so a file's contents
  never change under a reader; two processes filling one cache at once can at worst lose an
  index entry (a later miss and recompile), never load the wrong code.
* **Keys.** Numba keys an entry by signature, CPU and the function's bytecode, and checks a
  digest of its source file. Here the stamp also covers the fastgd modules that the kernel's
  module imports (their functions are inlined into it), and callers can mix extra data into
  the key (``enable(dispatcher, key_extra=...)``), e.g. the values of globals that Numba
  freezes into the compiled code.

Numba internals used here (checked against numba 0.68.1): ``numba.core.caching``'s
``FunctionCache`` (``_index_key``, ``_load_overload``, ``_save_overload``),
``CompileResultCacheImpl`` (``reduce``, ``rebuild``, ``check_cachable``),
``IndexDataCacheFile`` (``_open_for_write``, ``_dump``), the locator classes
(``CacheImpl._locator_classes``, ``from_function``, ``get_cache_path``, ``get_source_stamp``,
``get_suitable_cache_subpath``), and the dispatcher's ``_cache`` attribute. If they are not
as expected, :func:`enable` falls back to Numba's own caching (and to memory if that fails).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import inspect
import io
import os
import pickle
import pickletools
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numba
from numba.core import caching, config


class CacheWarning(UserWarning):
    """The disk cache cannot be used as it is: fastgd compiles in memory, or recompiles."""


#: Bumped when the index layout changes; part of the version tag of every index file.
FORMAT = 1
#: Entries kept per function; past this the oldest is dropped (e.g. many ``key_extra`` values).
MAX_ENTRIES = 64
#: Unreferenced data files younger than this are left alone: another process may be about to
#: add them to the index.
ORPHAN_GRACE_S = 600.0
#: Name of the directory of generated expression modules (see :func:`expression_dir`).
EXPRESSIONS = "fastgd_expressions"

_PACKAGE_DIR = Path(__file__).resolve().parent
# Numba's own index files start with a pickled ``numba.__version__``; ours with this tag, so
# each reader takes the other's index for "another version" and ignores it (never unpickles it).
_TAG = f"{numba.__version__}+fastgd-cache-{FORMAT}"
_TAG_PREFIX = pickle.dumps(_TAG, protocol=4)
_DIGEST = hashlib.sha256
_DIGEST_SIZE = _DIGEST().digest_size

_lock = threading.Lock()
_warned: set[str] = set()


def _warn_once(topic: str, message: str) -> None:
    """One :class:`CacheWarning` per ``topic`` per process."""
    with _lock:
        if topic in _warned:
            return
        _warned.add(topic)
    warnings.warn(message, CacheWarning, stacklevel=2)


# --------------------------------------------------------------------------------------------
# The public hook


def enable(dispatcher, *, key_extra: bytes | Callable[[], bytes] | None = None) -> bool:
    """Give ``dispatcher`` fastgd's disk cache; returns whether a disk cache is in use.

    Never raises for a cache problem: without any usable location the dispatcher compiles in
    memory (and a :class:`CacheWarning` says so once, at the first compile it cannot save).

    Parameters
    ----------
    dispatcher : numba.core.registry.CPUDispatcher
        A function decorated with ``numba.njit`` (anything else, e.g. the plain function that
        ``NUMBA_DISABLE_JIT=1`` leaves, is left alone).
    key_extra : bytes or callable returning bytes, optional
        Extra data mixed (as a digest) into the key of every cache entry of this function,
        on top of Numba's signature, CPU and bytecode. Numba freezes the values of globals
        into the compiled code but does not key the cache on them; pass, e.g.,
        ``key_bytes(SCALE, OFFSET)`` so that a compile made with other values is never
        reused. A callable is called each time a key is computed, i.e. when Numba looks a
        signature up or saves it, which is when it reads the globals. Calling ``enable``
        again replaces the previous ``key_extra``.

    Returns
    -------
    bool
        True when fastgd's cache (or Numba's) was installed. Whether it can write is known
        at the first compile: :func:`write_location` tells beforehand.
    """
    if not hasattr(dispatcher, "_cache") or not hasattr(dispatcher, "py_func"):
        return False  # NUMBA_DISABLE_JIT=1: a plain Python function
    if key_extra is not None and not (callable(key_extra) or isinstance(key_extra, bytes)):
        raise TypeError(f"key_extra must be bytes or a callable returning bytes, not {key_extra!r}")
    if config.CACHE_LOCATOR_CLASSES or not _SUPPORTED:
        # The user chose Numba's locators explicitly (respect that), or this Numba differs
        # from the one this module was checked against: Numba's own cache, or memory.
        return _numba_default(dispatcher)
    dispatcher._cache = _FastgdCache(dispatcher.py_func, key_extra)
    return True


def key_bytes(*values) -> bytes:
    """Bytes that identify ``values`` exactly, for ``enable(..., key_extra=...)``.

    Accepts None, bools, ints, floats, complex numbers, strings, bytes, numpy scalars and
    arrays, and tuples/lists of these. Floats are written with ``repr``, which round-trips, so
    0.1 and 0.1 + 1e-17 give different bytes only when they are different floats.
    """
    out = io.BytesIO()
    _key_write(out, values)
    return out.getvalue()


def _key_write(out: io.BytesIO, value) -> None:
    import numpy as np

    if isinstance(value, (tuple, list)):
        out.write(b"(%d:" % len(value))
        for item in value:
            _key_write(out, item)
        out.write(b")")
    elif isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        out.write(f"A{data.dtype.str}{data.shape}:".encode())
        out.write(data.tobytes())
    elif isinstance(value, np.generic):
        out.write(f"S{value.dtype.str}:{value!r};".encode())
    elif value is None or isinstance(value, (bool, int, float, complex, str)):
        out.write(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, bytes):
        out.write(b"b%d:" % len(value) + value)
    else:
        raise TypeError(f"key_bytes cannot identify a value of type {type(value).__name__}")


def _check_internals() -> bool:
    """Whether the Numba internals this module builds on are there (see the module docstring)."""
    needed = {
        caching.FunctionCache: ("_index_key", "_load_overload", "_save_overload", "load_overload"),
        caching.CompileResultCacheImpl: ("reduce", "rebuild", "check_cachable"),
        caching.IndexDataCacheFile: ("_open_for_write", "_dump", "_data_path"),
        caching.CacheImpl: ("_locator_classes",),
        caching._CacheLocator: ("get_suitable_cache_subpath", "from_function"),
    }
    return all(hasattr(cls, name) for cls, names in needed.items() for name in names)


_SUPPORTED = _check_internals()


def _numba_default(dispatcher) -> bool:
    try:
        dispatcher.enable_caching()
    except RuntimeError as exc:  # "cannot cache function ...: no locator available"
        _warn_no_location(str(exc))
        return False
    return True


def _warn_no_location(detail: str) -> None:
    _warn_once(
        "no-location",
        f"fastgd has no writable kernel cache location ({detail}); compiling in memory, so "
        "each new process compiles again. Set NUMBA_CACHE_DIR to a writable directory to "
        "keep compiled kernels.",
    )


# --------------------------------------------------------------------------------------------
# Locations


class _NoCache(Exception):
    """The function has no source file: nothing to key a disk cache on."""


@dataclass(frozen=True)
class _Place:
    """One directory a function's entries are read from (and maybe written to)."""

    locator: caching._CacheLocator
    kind: str
    writable: bool

    @property
    def path(self) -> str:
        return self.locator.get_cache_path()


_KINDS = {
    caching.UserProvidedCacheLocator: "NUMBA_CACHE_DIR",
    caching.InTreeCacheLocator: "in-tree",
    caching.UserWideCacheLocator: "user-wide",
    caching.IPythonCacheLocator: "ipython",
    caching.ZipCacheLocator: "zip",
}


def _places(py_func) -> list[_Place]:
    """Where ``py_func``'s entries are: the write location first, then read-only ones."""
    source = inspect.getfile(py_func)
    places = []
    for cls in caching.CacheImpl._locator_classes:  # Numba's order; first usable one writes
        locator = cls.from_function(py_func, source)
        if locator is not None:
            places.append(_Place(locator, _KINDS.get(cls, cls.__name__), writable=True))
            break
    if os.path.isfile(source):
        in_tree = caching.InTreeCacheLocator(py_func, source)
        path = in_tree.get_cache_path()
        written = places and os.path.realpath(places[0].path) == os.path.realpath(path)
        # A shipped cache: there, but not writable, so Numba refuses it. A writable in-tree
        # directory that Numba's order passed over (NUMBA_CACHE_DIR is set) stays unused,
        # as in Numba, so that NUMBA_CACHE_DIR isolates a run from it.
        if not written and os.path.isdir(path) and not os.access(path, os.W_OK):
            places.append(_Place(in_tree, "in-tree (read-only)", writable=False))
    elif not places:
        raise _NoCache(source)
    return places


def _filename_base(py_func, locator) -> str:
    """Numba's file name for a function's entries (``module.qualname-line.pyXY``)."""
    modname = os.path.splitext(os.path.basename(inspect.getfile(py_func)))[0]
    qualname = getattr(py_func, "__qualname__", py_func.__name__)
    fullname = f"{modname}.{qualname}".replace("<", "").replace(">", "")
    abiflags = getattr(sys, "abiflags", "")
    return "%s-%s.py%d%d%s" % (  # noqa: UP031 - Numba's format, kept verbatim
        fullname,
        locator.get_disambiguator(),
        sys.version_info[0],
        sys.version_info[1],
        abiflags,
    )


# --------------------------------------------------------------------------------------------
# What a kernel's compiled code depends on


def _stamp(locator, py_func) -> tuple:
    """Numba's source stamp, plus a digest of the fastgd modules the function's module imports.

    A kernel's module inlines functions of other modules (``fastexp.sigmoid`` into the XOR
    kernels) and reads their constants; Numba checks only the kernel's own file, so an edit
    of ``fastexp.py`` would leave stale XOR kernels in the cache. Only fastgd's own modules
    are followed: they are the ones fastgd knows the layout of.
    """
    source = inspect.getfile(py_func)
    deps = _dependency_digest(os.path.realpath(source)) if os.path.isfile(source) else ""
    return (locator.get_source_stamp(), deps)


def _dependency_digest(path: str) -> str:
    root = Path(path)
    if _PACKAGE_DIR not in root.parents:
        return ""
    hasher = _DIGEST()
    for dep in sorted(_fastgd_imports(root) - {root}):
        hasher.update(str(dep.relative_to(_PACKAGE_DIR)).encode() + b"\0")
        hasher.update(dep.read_bytes())
    return hasher.hexdigest()


def _fastgd_imports(start: Path) -> set[Path]:
    """The fastgd source files ``start`` imports, directly or through other fastgd modules."""
    seen: set[Path] = set()
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imported_modules(path):
            found = _module_file(name)
            # this module's own file does not change compiled code (and changes most often)
            if found is not None and found != _PACKAGE_DIR / "_cache.py":
                todo.append(found)
    return seen


def _imported_modules(path: Path) -> set[str]:
    """The fastgd modules named by ``path``'s import statements (memoised per file version)."""
    try:
        st = path.stat()
    except OSError:
        return set()
    memo_key = (path, st.st_mtime_ns, st.st_size)
    if memo_key not in _import_memo:
        _import_memo[memo_key] = _parse_imports(path)
    return _import_memo[memo_key]


_import_memo: dict[tuple, set[str]] = {}


def _parse_imports(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set()
    package = ".".join(("fastgd", *path.parent.relative_to(_PACKAGE_DIR).parts))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            subs = [f"{module}.{alias.name}" for alias in node.names]
            found = [sub for sub in subs if _module_file(sub) is not None]
            names.update(found)
            if len(found) < len(subs):  # some names are attributes of ``module`` itself
                names.add(module)
    return {name for name in names if name == "fastgd" or name.startswith("fastgd.")}


def _module_file(name: str) -> Path | None:
    if not (name == "fastgd" or name.startswith("fastgd.")):
        return None
    parts = name.split(".")[1:]
    base = _PACKAGE_DIR.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


# --------------------------------------------------------------------------------------------
# Index and data files


class _Damaged(Exception):
    """A cache file failed its integrity check or did not load."""


class _IndexFile(caching.IndexDataCacheFile):
    """One directory's index (``.nbi``) and data files (``.nbc``) for one function.

    Index file: ``pickle(tag) + digest(body) + body`` with ``body = dumps((stamp, entries))``
    and ``entries = {key: (data file name, hex digest of its bytes)}`` in insertion order.
    Data files are ``base.<first 16 hex digits of their digest>.nbc``.
    """

    def __init__(self, place: _Place, filename_base: str, stamp):
        super().__init__(place.path, filename_base, stamp)
        self.place = place
        self._base = filename_base

    # reading

    def read_index(self) -> dict:
        """The entries, or {} if there is no index, it is stale or not ours; raises _Damaged."""
        try:
            with open(self._index_path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return {}
        if not raw.startswith(_TAG_PREFIX):
            if _is_other_version(raw):
                return {}  # Numba's own format or another version: not ours to read
            raise _Damaged("not a cache index (unreadable header)")
        start = len(_TAG_PREFIX)
        digest, body = raw[start : start + _DIGEST_SIZE], raw[start + _DIGEST_SIZE :]
        if _DIGEST(body).digest() != digest:
            raise _Damaged("its digest does not match its contents")
        try:
            stamp, entries = pickle.loads(body)
        except Exception as exc:
            raise _Damaged(f"cannot be unpickled: {exc!r}") from None
        if stamp != self._source_stamp:
            return {}  # the source changed: every entry is stale
        return entries

    def read_data(self, entry) -> object | None:
        """The payload of ``entry``, None if its file is gone; raises _Damaged."""
        name, digest = entry
        try:
            with open(self._data_path(name), "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return None
        if _DIGEST(raw).hexdigest() != digest:
            raise _Damaged("its digest does not match the one recorded in the index")
        try:
            return pickle.loads(raw)
        except Exception as exc:
            raise _Damaged(f"cannot be unpickled: {exc!r}") from None

    # writing (temporary file + os.replace, always)

    def write_index(self, entries: dict) -> None:
        body = self._dump((self._source_stamp, entries))
        with self._open_for_write(self._index_path) as f:
            f.write(_TAG_PREFIX + _DIGEST(body).digest() + body)

    def add(self, key, payload) -> None:
        """Write ``payload`` for ``key``: the data file first, then the index that names it."""
        raw = self._dump(payload)
        digest = _DIGEST(raw).hexdigest()
        name = f"{self._base}.{digest[:16]}.nbc"
        path = self._data_path(name)
        if not _has_digest(path, digest):  # the same bytes are there already: keep them
            with self._open_for_write(path) as f:
                f.write(raw)
        try:
            entries = self.read_index()
        except _Damaged:
            entries = {}  # replaced by the index written below
        entries.pop(key, None)
        entries[key] = (name, digest)
        while len(entries) > MAX_ENTRIES:
            entries.pop(next(iter(entries)))
        self.write_index(entries)
        self._remove_orphans(entries)

    def drop(self, key, entry) -> None:
        """Forget a damaged ``entry`` of ``key`` (if nobody replaced it meanwhile)."""
        try:
            entries = self.read_index()
        except _Damaged:
            entries = None
        if entries is None:
            self._unlink(self._index_path)
            return
        if entries.get(key) == entry:
            del entries[key]
            self.write_index(entries)
        if entry[0] not in {name for name, _ in entries.values()}:
            self._unlink(self._data_path(entry[0]))

    def _remove_orphans(self, entries: dict) -> None:
        """Delete this function's data files that no entry names (stale or replaced ones)."""
        keep = {name for name, _ in entries.values()}
        now = time.time()
        try:
            names = os.listdir(self._cache_path)
        except OSError:
            return
        for name in names:
            if not (name.startswith(self._base + ".") and name.endswith(".nbc")) or name in keep:
                continue
            path = self._data_path(name)
            try:
                if now - os.stat(path).st_mtime > ORPHAN_GRACE_S:
                    os.unlink(path)
            except OSError:
                pass

    def where(self, entry) -> str:
        """The file a problem with ``entry`` (None: with the index) is about."""
        return self._data_path(entry[0]) if entry is not None else self._index_path

    @staticmethod
    def _unlink(path: str) -> None:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _has_digest(path: str, digest: str) -> bool:
    try:
        with open(path, "rb") as f:
            return _DIGEST(f.read()).hexdigest() == digest
    except OSError:
        return False


def _is_other_version(raw: bytes) -> bool:
    """Whether ``raw`` starts as Numba's (and our) index files do: a pickled version string.

    Read with :mod:`pickletools`, which decodes opcodes without executing or allocating
    anything, since these bytes are not verified yet.
    """
    try:
        for opcode, arg, _ in pickletools.genops(io.BytesIO(raw[:256])):
            if opcode.name in ("PROTO", "FRAME"):
                continue
            return opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE") and bool(arg)
    except Exception:  # not a pickle stream at all
        return False
    return False


# --------------------------------------------------------------------------------------------
# The cache Numba's dispatcher calls


class _Impl(caching.CompileResultCacheImpl):
    """Numba's serialisation of compile results, with a locator chosen here."""

    def __init__(self, py_func, locator):  # Numba's __init__ raises when no locator is writable
        self._lineno = py_func.__code__.co_firstlineno
        self._locator = locator
        self._filename_base = _filename_base(py_func, locator)


class _FastgdCache(caching.FunctionCache):
    """A :class:`numba.core.caching.FunctionCache` over several places, checked, never raising.

    Nothing is looked at before the first compile of the function: where it may be cached,
    its stamps, the dependency digest (so importing fastgd costs no file system probing for
    kernels a process never compiles).
    """

    def __init__(self, py_func, key_extra=None):
        # Numba's __init__ insists on a writable locator; this one works with none.
        self._name = repr(py_func)
        self._py_func = py_func
        self._key_extra = key_extra
        self._ready = False
        self._silent = False
        self._fallback = None  # Numba's own cache, if ours could not be set up
        self._files: list[_IndexFile] = []
        self._writer: _IndexFile | None = None
        self._impl = None
        self._cache_path = None
        self.enable()

    def _setup(self) -> None:
        if self._ready:
            return
        self._ready = True
        py_func = self._py_func
        try:
            places = _places(py_func)
            self._files = [
                _IndexFile(place, _filename_base(py_func, loc), _stamp(loc, py_func))
                for place in places
                for loc in (place.locator,)
            ]
            self._impl = _Impl(py_func, places[0].locator) if places else None
        except _NoCache:
            self._silent = True  # no source file (a prompt, exec'd code): nothing to say
            return
        except Exception as exc:  # Numba's internals are not what this module expects
            self._files = []
            _warn_once(
                "internals",
                f"fastgd's kernel cache does not support numba {numba.__version__} ({exc!r}); "
                "using Numba's default cache.",
            )
            try:
                self._fallback = caching.FunctionCache(py_func)
            except RuntimeError as error:  # no locator available
                self._fallback = caching.NullCache()
                _warn_no_location(str(error))
            return
        self._writer = next((f for f in self._files if f.place.writable), None)
        self._cache_path = self._files[0].place.path if self._files else None

    @property
    def cache_path(self):
        self._setup()
        return self._fallback.cache_path if self._fallback else self._cache_path

    def load_overload(self, sig, target_context):
        self._setup()
        if self._fallback is not None:
            return self._fallback.load_overload(sig, target_context)
        return super().load_overload(sig, target_context)

    def save_overload(self, sig, data):
        self._setup()
        if self._fallback is not None:
            return self._fallback.save_overload(sig, data)
        return super().save_overload(sig, data)

    def flush(self) -> None:
        self._setup()
        if self._fallback is not None:
            self._fallback.flush()
        elif self._writer is not None:
            self._writer.write_index({})

    def _index_key(self, sig, codegen):
        key = super()._index_key(sig, codegen)
        extra = self._key_extra() if callable(self._key_extra) else self._key_extra
        if extra is None:
            return key
        sig_, magic, hashes = key
        return (sig_, magic, (*hashes, _DIGEST(extra).hexdigest()))

    def _load_overload(self, sig, target_context):
        if not self._enabled or not self._files:
            return None
        key = self._index_key(sig, target_context.codegen())
        for index in self._files:
            result = self._load_from(index, key, target_context)
            if result is not None:
                return result
        return None

    def _load_from(self, index: _IndexFile, key, target_context):
        entry = None
        try:
            entry = index.read_index().get(key)
            if entry is None:
                return None
            payload = index.read_data(entry)
            if payload is None:
                return None
            return self._impl.rebuild(target_context, payload)
        except Exception as exc:  # _Damaged, or a load that failed in LLVM or elsewhere
            where = index.where(entry)
            _warn_once(
                f"damaged:{where}",
                f"fastgd dropped a damaged kernel cache entry for {self._py_func.__qualname__!r} "
                f"({where}: {exc}); recompiling.",
            )
            if index.place.writable:
                try:
                    if entry is None:
                        index._unlink(index._index_path)
                    else:
                        index.drop(key, entry)
                except OSError:
                    pass
            return None

    def _save_overload(self, sig, data):
        if not self._enabled or self._silent:
            return
        if self._writer is None:
            _warn_no_location(f"nowhere to write the kernels of {self._py_func.__module__}")
            return
        if not self._impl.check_cachable(data):
            return
        try:
            self._writer.place.locator.ensure_cache_path()
            key = self._index_key(sig, data.codegen)
            self._writer.add(key, self._impl.reduce(data))
        except Exception as exc:  # a full disk, a directory made read-only meanwhile, ...
            _warn_once(
                f"save:{self._writer.place.path}",
                f"fastgd could not save compiled code to {self._writer.place.path} ({exc!r}); "
                "it stays in memory for this process.",
            )


# --------------------------------------------------------------------------------------------
# Where fastgd's files are: for `fastgd cache info/clear` and the generated expression modules


def _writable_dir(path: Path) -> bool:
    """Whether ``path`` can be created and written (tested with a temporary file, as Numba)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


def _user_wide_root() -> Path:
    from numba.misc.appdirs import AppDirs

    return Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)


def _subpath(directory: Path) -> str:
    """Numba's name for ``directory``'s entries inside NUMBA_CACHE_DIR or the user-wide cache."""
    return caching._CacheLocator.get_suitable_cache_subpath(str(directory / "x.py"))


def expression_dir(create: bool = True) -> Path | None:
    """Where generated expression modules go, following Numba's rules; None if nowhere.

    The first writable of: ``$NUMBA_CACHE_DIR/fastgd_expressions``, the package's own
    ``fastgd/__pycache__/fastgd_expressions`` (in-tree), the user-wide
    ``~/.cache/numba/fastgd_expressions``. Kernels compiled from modules in it are cached by
    :func:`enable` like any other (``fastgd cache clear`` removes both).

    Parameters
    ----------
    create : bool
        Create the directory (and check that it is writable). With False, return the first
        candidate that exists and is writable, without creating anything.
    """
    for path in _expression_candidates():
        if create and _writable_dir(path):
            return path
        if not create and path.is_dir() and os.access(path, os.W_OK):
            return path
    return None


def write_expression_module(name: str, source: str) -> Path | None:
    """Write generated module ``name`` into :func:`expression_dir`; its path, or None.

    Safe with several processes writing the same module at once: the file is written under
    a temporary name and moved into place with ``os.replace``, so an importer sees either no
    file or the whole of it. An existing file with the same text is left as it is (its
    kernels' cache entries stay valid: Numba stamps them with the file's contents).

    Parameters
    ----------
    name : str
        A Python identifier, e.g. ``"expr_" + sha256(expression, variables, versions)``.
        Modules go directly in the directory (not in subdirectories): ``fastgd cache clear``
        finds their kernels' entries by that directory's name.
    source : str
        The module's Python source.
    """
    if not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    directory = expression_dir()
    if directory is None:
        return None
    path = directory / f"{name}.py"
    data = source.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return path
    except OSError:
        pass
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a shared cache's users
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return None
    return path


def _expression_candidates() -> list[Path]:
    roots = [Path(config.CACHE_DIR)] if config.CACHE_DIR else []
    roots += [_PACKAGE_DIR / "__pycache__", _user_wide_root()]
    return [root / EXPRESSIONS for root in roots]


@dataclass(frozen=True)
class CacheDir:
    """A directory that holds (or may hold) fastgd's compiled code or generated modules.

    Attributes
    ----------
    path : Path
    kind : str
        ``"NUMBA_CACHE_DIR"``, ``"in-tree"``, ``"user-wide"`` (kernel caches of fastgd's
        modules), ``"expressions"`` (generated expression modules), or
        ``"expressions NUMBA_CACHE_DIR"``/``"expressions user-wide"`` (their kernel caches).
    source : Path
        The directory of the modules whose kernels it caches.
    """

    path: Path
    kind: str
    source: Path

    def files(self) -> list[Path]:
        """fastgd's files in it: cache entries (and, for expressions, generated modules)."""
        if not self.path.is_dir():
            return []
        if self.kind == "expressions":  # fastgd's own directory: everything in it
            return sorted(p for p in self.path.rglob("*") if p.is_file())
        if self.kind.startswith("expressions"):  # the kernel caches of generated modules only
            return sorted(p for p in self.path.iterdir() if p.is_file() and _is_cache_file(p.name))
        # __pycache__ also holds .pyc files: only entries named after one of fastgd's modules
        modules = {p.stem for p in self.source.glob("*.py")}
        return sorted(
            p
            for p in self.path.iterdir()
            if p.is_file() and _is_cache_file(p.name) and p.name.split(".")[0] in modules
        )


def _is_cache_file(name: str) -> bool:
    return name.endswith((".nbi", ".nbc")) or ".nbi.tmp." in name or ".nbc.tmp." in name


def _source_dirs() -> list[Path]:
    """fastgd's package directories that hold modules (kernels may live in any of them)."""
    dirs = {p.parent for p in _PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts}
    return sorted(dirs)


def cache_dirs() -> list[CacheDir]:
    """Every directory where fastgd's compiled code can be, by Numba's rules (existing or not)."""
    roots = [("NUMBA_CACHE_DIR", Path(config.CACHE_DIR))] if config.CACHE_DIR else []
    roots.append(("user-wide", _user_wide_root()))
    out = []
    for source in _source_dirs():
        out.append(CacheDir(source / "__pycache__", "in-tree", source))
        out += [CacheDir(root / _subpath(source), kind, source) for kind, root in roots]
    for expressions in _expression_candidates():
        out.append(CacheDir(expressions, "expressions", expressions))
        out += [
            CacheDir(root / _subpath(expressions), f"expressions {kind}", expressions)
            for kind, root in roots
        ]
    return out


def write_location() -> tuple[str, Path] | None:
    """Where new kernels of fastgd's modules go now (kind, directory), or None (in memory)."""

    def probe():  # any function in fastgd's kernels directory: the rules depend on its file
        pass

    kernels = sorted((_PACKAGE_DIR / "kernels").glob("*.py"))
    source = kernels[0] if kernels else Path(__file__)  # the locators need an existing file
    for cls in caching.CacheImpl._locator_classes:
        locator = cls.from_function(probe, str(source))
        if locator is not None:
            return _KINDS.get(cls, cls.__name__), Path(locator.get_cache_path())
    return None


@dataclass(frozen=True)
class DirReport:
    """One directory in :func:`info`: its functions (``.nbi``), compiled entries (``.nbc``)."""

    dir: CacheDir
    functions: int
    entries: int
    files: int
    size: int
    writable: bool


@dataclass
class CacheInfo:
    """What :func:`info` reports."""

    numba_version: str
    write: tuple[str, Path] | None  # where new kernels of fastgd's modules go; None: memory
    expressions: Path | None  # an existing, writable directory of generated modules
    dirs: list[DirReport] = field(default_factory=list)

    @property
    def entries(self) -> int:
        """Compiled entries (one per function and signature) in every directory."""
        return sum(d.entries for d in self.dirs)

    @property
    def size(self) -> int:
        return sum(d.size for d in self.dirs)


def info() -> CacheInfo:
    """Where fastgd's cache is and what it holds (only directories that exist are listed)."""
    result = CacheInfo(numba.__version__, write_location(), expression_dir(create=False))
    for cache_dir in cache_dirs():
        if not cache_dir.path.is_dir():
            continue
        files = cache_dir.files()
        result.dirs.append(
            DirReport(
                cache_dir,
                functions=sum(p.suffix == ".nbi" for p in files),
                entries=sum(p.suffix == ".nbc" for p in files),
                files=len(files),
                size=sum(_size(p) for p in files),
                writable=os.access(cache_dir.path, os.W_OK),
            )
        )
    return result


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass
class ClearResult:
    """What :func:`clear` did: files removed, bytes freed, and what could not be removed."""

    removed: int = 0
    freed: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)


def clear(dirs: Iterable[CacheDir] | None = None) -> ClearResult:
    """Remove fastgd's cache entries and generated modules, and nothing else.

    In a kernel cache directory only ``.nbi``/``.nbc`` files named after one of fastgd's
    modules are removed (``__pycache__`` also holds Python's ``.pyc`` files; NUMBA_CACHE_DIR
    other packages' entries); a generated-expressions directory is fastgd's own and goes whole.
    Processes running meanwhile see their entries vanish and recompile; nothing breaks.
    """
    result = ClearResult()
    for cache_dir in cache_dirs() if dirs is None else dirs:
        for path in cache_dir.files():
            size = _size(path)
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                result.failed.append((path, exc.strerror or str(exc)))
                continue
            result.removed += 1
            result.freed += size
        if cache_dir.kind == "expressions" and cache_dir.path.is_dir():
            shutil.rmtree(cache_dir.path, ignore_errors=True)
    return result
