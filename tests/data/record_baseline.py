"""Record the compiled path's outputs at commit 6064baa (before the trainer rework).

Run once, from the repository root, on the code *before* a kernel change:

    python tests/data/record_baseline.py

It writes ``tests/data/baseline_6064baa.npz``, which ``tests/test_baseline_bitwise.py`` holds
every later version to, bit for bit. The cases cover the notebook's sweep and a few other
shapes, data sets and seeds; each is a keyword set of ``fastgd.sweep_xor`` / ``train_xor``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import fastgd
from fastgd.problems import NOTEBOOK_ALPHAS

_rng = np.random.default_rng(0)
_X_RANDOM = _rng.normal(size=(10, 5))
_Y_RANDOM = _rng.random((10, 2))

#: name -> (function, alphas or alpha, keyword arguments). Keep in step with the test.
CASES = {
    "notebook_sweep": ("sweep", list(NOTEBOOK_ALPHAS), {}),
    "train_alpha_10": ("train", 10.0, {}),
    "train_alpha_0.5_seed_42_25_steps": ("train", 0.5, dict(steps=25, log_every=10, seed=42)),
    "hidden_1": ("sweep", [0.3, 3.0], dict(steps=2000, log_every=400, hidden=1)),
    "hidden_7": ("sweep", [0.3, 3.0, 30.0], dict(steps=2000, log_every=400, hidden=7)),
    "hidden_16_seeds": (
        "sweep",
        [0.1, 1.0],
        dict(steps=1500, log_every=300, hidden=16, seeds=[1, 7, 42]),
    ),
    "random_data_10x5_to_2": (
        "sweep",
        [0.05, 0.5, 5.0],
        dict(steps=1500, log_every=300, X=_X_RANDOM, y=_Y_RANDOM, hidden=3),
    ),
    "wide_sweep_37": ("sweep", list(np.geomspace(1e-3, 1e3, 37)), dict(steps=2000, log_every=250)),
    "seeds_sweep": (
        "sweep",
        [0.05, 0.5, 5.0],
        dict(steps=1200, log_every=200, seeds=[1, 7, 42, 2**32 - 1]),
    ),
}


def run_case(name: str):
    kind, alphas, kwargs = CASES[name]
    if kind == "train":
        return fastgd.train_xor(alphas, **kwargs)
    return fastgd.sweep_xor(alphas, **kwargs)


def main() -> None:
    arrays = {}
    for name in CASES:
        res = run_case(name)
        for field in ("errors", "synapse_0", "synapse_1", "status"):
            arrays[f"{name}/{field}"] = np.asarray(res[field])
    out = Path(__file__).with_name("baseline_6064baa.npz")
    np.savez_compressed(out, **arrays)
    print(json.dumps(sorted(arrays), indent=1))


if __name__ == "__main__":
    main()
