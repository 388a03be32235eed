"""What fastgd's cache checks cost on a load: one entry of the largest XOR kernel, loaded by
fastgd's cache and by Numba's own, in the same process (minimum of 30 loads each).

    NUMBA_CACHE_DIR=$(mktemp -d) python bench/cache_load.py

Run it with a scratch NUMBA_CACHE_DIR: Numba's save replaces fastgd's index there.
"""

import hashlib
import os
import time

from numba.core import caching

import fastgd
from fastgd.kernels import network


def best(load, n=30):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        assert load() is not None
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    if not os.environ.get("NUMBA_CACHE_DIR"):
        raise SystemExit("set NUMBA_CACHE_DIR to a scratch directory")
    fastgd.train_xor(1.0, steps=10)
    kernel = network.train_runs
    (args,) = kernel.overloads
    cres = kernel.overloads[args]
    sig, ctx = cres.signature, kernel.targetctx

    ours = kernel._cache
    ours.save_overload(sig, cres)
    t_ours = best(lambda: ours.load_overload(sig, ctx))
    theirs = caching.FunctionCache(kernel.py_func)
    theirs.save_overload(sig, cres)
    t_theirs = best(lambda: theirs.load_overload(sig, ctx))
    ours.save_overload(sig, cres)

    names = [n for n in os.listdir(ours.cache_path) if n.startswith("network.train_runs")]
    data = max((os.path.join(ours.cache_path, n) for n in names if n.endswith(".nbc")),
               key=os.path.getmtime)  # fmt: skip
    with open(data, "rb") as f:
        raw = f.read()
    t_hash = best(lambda: hashlib.sha256(raw).digest(), 200)
    print(
        f"train_runs entry, {len(raw) / 1e3:.0f} kB: fastgd's load {t_ours * 1e3:.2f} ms, "
        f"Numba's load {t_theirs * 1e3:.2f} ms, sha256 of the data {t_hash * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    main()
