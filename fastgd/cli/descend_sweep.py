"""``fastgd descend`` with ``--x0-grid``, ``--lrs`` or ``--momenta``: a sweep of descents."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time

import numpy as np

from fastgd.cli._outputs import Output
from fastgd.cli.descend import _check


def starts(args: argparse.Namespace, variables: tuple[str, ...]) -> np.ndarray:
    """The sweep's starts: the lattice of ``--x0-grid``, or the one ``--x0``."""
    from fastgd import grid

    if args.x0_grid is None:
        return np.array([args.x0])
    if len(variables) != 2:
        raise ValueError(f"--x0-grid needs a function of two variables, got {len(variables)}")
    *bounds, n = args.x0_grid
    if n != int(n) or n < 1:
        raise ValueError(f"--x0-grid's N must be a whole number >= 1, got {n}")
    return grid(*bounds, int(n))


def run(args: argparse.Namespace) -> int:
    from fastgd import StepDecay, minimize_many

    variables = _check(
        args, Output("--json", args.json, stdout=True), Output("--csv", args.csv, stdout=True)
    )
    if args.plot3d or args.gif:
        raise ValueError("--plot3d and --gif draw one descent, not a sweep")
    quiet = "-" in (args.json, args.csv)  # stdout carries data: the report goes to stderr
    say = (lambda text: print(text, file=sys.stderr)) if quiet else print
    lrs = args.lrs if args.lrs is not None else [args.lr]
    schedule = StepDecay(lrs, args.gamma, args.every, convention=args.decay_convention)
    momenta = args.momenta if args.momenta is not None else [args.momentum]
    started = time.perf_counter()
    result = minimize_many(
        args.expr,
        starts(args, variables),
        jac=None if args.jac == "sympy" else args.jac,
        lr=schedule,
        momentum=momenta,
        nesterov=args.nesterov,
        window=args.window,
        tol=args.tol,
        max_iter=args.max_iter,
        epsilon=args.epsilon,
        workers=args.workers,
        progress=args.progress,
    )
    elapsed = time.perf_counter() - started
    say(summary(result, variables))
    say(f"{result.status.size} runs in {elapsed:.3f} s. {result.message}")
    for path, render in ((args.json, to_json), (args.csv, to_csv)):
        if path:
            text = render(result, variables)
            if path == "-":
                sys.stdout.write(text)
            else:
                with open(path, "w") as handle:
                    handle.write(text)
    if args.plot:
        _plot(args, result)
        say(f"plot written to {args.plot}")
    return 0 if bool(np.all(result.success)) else 1


def summary(result, variables) -> str:
    """One line per (rate, momentum): how the runs ended, and the best f reached."""
    lines = [
        f"{'lr':>10} {'momentum':>9} {'converged':>10} {'max_iter':>9} {'diverged':>9} "
        f"{'lost':>6} {'mean nit':>9} {'best f':>14}"
    ]
    for b, lr in enumerate(result.lr):
        for c, beta in enumerate(result.momentum):
            status = result.status[:, b, c]
            ok = status == 0
            best = np.min(result.fun[:, b, c][ok]) if ok.any() else np.nan
            lines.append(
                f"{lr:>10.4g} {beta:>9.4g} {np.count_nonzero(ok):>10} "
                f"{np.count_nonzero(status == 1):>9} {np.count_nonzero(status == 2):>9} "
                f"{np.count_nonzero(status == 3):>6} {result.nit[:, b, c].mean():>9.1f} "
                f"{best:>14.6g}"
            )
    return "\n".join(lines)


def records(result, variables) -> list[dict]:
    """One record per run: its start, rate, momentum and outcome."""
    m, k, j = result.status.shape
    rows = []
    for a in range(m):
        for b in range(k):
            for c in range(j):
                row = {"start": a}
                row.update({f"{v}0": float(result.x0[a, i]) for i, v in enumerate(variables)})
                row.update(lr=float(result.lr[b]), momentum=float(result.momentum[c]))
                row.update({v: float(result.x[a, b, c, i]) for i, v in enumerate(variables)})
                fun = float(result.fun[a, b, c])
                row.update(
                    fun=fun if np.isfinite(fun) else None,
                    nit=int(result.nit[a, b, c]),
                    nfev=int(result.nfev[a, b, c]),
                    status=int(result.status[a, b, c]),
                )
                rows.append(row)
    return rows


def to_json(result, variables) -> str:
    return json.dumps(records(result, variables), indent=1) + "\n"


def to_csv(result, variables) -> str:
    rows = records(result, variables)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _plot(args, result) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from fastgd.plot import plot_basins, plot_sweep_heatmap

    if result.x0.shape[0] > 1 and result.x0.shape[1] == 2:
        ax = plot_basins(result, args.expr)
    else:
        ax = plot_sweep_heatmap(result, "fun")
    ax.figure.savefig(args.plot, dpi=120)
