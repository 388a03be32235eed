"""``fastgd cache``: where fastgd's compiled kernels are (``info``); removing them (``clear``)."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "cache",
        help="show (info) or remove (clear) fastgd's compiled-kernel cache",
        description="fastgd keeps compiled kernels on disk, where Numba's rules say "
        "(NUMBA_CACHE_DIR, the package's __pycache__, or ~/.cache/numba); see docs/cache.md.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    info = actions.add_parser("info", help="where the cache is, its entries and size")
    info.set_defaults(run=run_info)
    clear = actions.add_parser(
        "clear", help="remove fastgd's cache entries and generated modules (nothing else)"
    )
    clear.add_argument(
        "--dry-run", action="store_true", help="list what would be removed, remove nothing"
    )
    clear.set_defaults(run=run_clear)


def _size(n_bytes: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n_bytes < 1000 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    raise AssertionError("unreachable")


def run_info(args: argparse.Namespace) -> int:
    from fastgd import _cache

    report = _cache.info()
    if report.write is None:
        print("new kernels: compiled in memory (no writable cache location; set NUMBA_CACHE_DIR)")
    else:
        kind, path = report.write
        print(f"new kernels go to: {path} ({kind})")
    if report.expressions is not None:
        print(f"generated expression modules: {report.expressions}")
    print(f"numba {report.numba_version}; entries are checked against a sha256 digest on load")
    if not report.dirs:
        print("no cache directories yet")
    for d in report.dirs:
        access = "" if d.writable else ", read-only"
        if d.dir.kind == "expressions":
            what = f"{d.files} files"
        else:
            what = f"{d.functions} functions, {d.entries} compiled entries"
        print(f"  {d.dir.path}  [{d.dir.kind}{access}]  {what}, {_size(d.size)}")
    print(f"total: {report.entries} compiled entries, {_size(report.size)}")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    from fastgd import _cache

    if args.dry_run:
        for cache_dir in _cache.cache_dirs():
            for path in cache_dir.files():
                print(path)
        return 0
    result = _cache.clear()
    print(f"removed {result.removed} files ({_size(result.freed)})")
    for path, reason in result.failed:
        print(f"could not remove {path}: {reason}")
    return 1 if result.failed else 0
