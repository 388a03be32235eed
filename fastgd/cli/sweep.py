"""``fastgd sweep``: the notebook's learning-rate sweep, printed, plotted and saved."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fastgd._memory import check_fits
from fastgd._training_setup import choose_curve_every, output_bytes
from fastgd.cli._cluster import dask_client
from fastgd.cli._outputs import PLOT_SUFFIXES, Output, check_outputs
from fastgd.problems import NOTEBOOK_ALPHAS
from fastgd.xor import DEVICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="train the XOR network for several learning rates (the notebook's sweep)",
        description="Train the seed notebook's 3-4-1 sigmoid network on XOR for every learning "
        "rate (and seed), print the mean absolute error every LOG_EVERY steps, and plot it.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--alphas",
        type=float,
        nargs="+",
        default=list(NOTEBOOK_ALPHAS),
        metavar="ALPHA",
        help="learning rates",
    )
    parser.add_argument("--steps", type=int, default=60_000, help="gradient steps per run")
    parser.add_argument("--seed", type=int, default=1, help="seed of the initial weights")
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=None,
        metavar="SEED",
        help="several seeds: every alpha x every seed, summarised across seeds",
    )
    parser.add_argument(
        "--log-every", type=int, default=10_000, help="record the error every LOG_EVERY steps"
    )
    parser.add_argument("--hidden", type=int, default=4, help="hidden units")
    parser.add_argument(
        "--plot",
        "-o",
        default="fastgd_sweep.png",
        metavar="PNG",
        help="where to write the plot ('' for no plot)",
    )
    parser.add_argument(
        "--json",
        default=None,
        metavar="PATH",
        help="also write the result as JSON ('-' for stdout)",
    )
    parser.add_argument(
        "--csv",
        default=None,
        metavar="PATH",
        help="also write alpha,[seed,]step,error rows as CSV ('-' for stdout)",
    )
    parser.add_argument(
        "--style",
        choices=("table", "notebook"),
        default="table",
        help="printout: a compact table, or the notebook's lines verbatim",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="threads on this machine (default: every available CPU)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on the Dask cluster at ADDRESS (e.g. tcp://host:8786)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="progress bar on stderr",
    )
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default="cpu",
        help="train on this machine's CPU cores or on an NVIDIA GPU (pip install 'fastgd[cuda]')",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fastgd import sweep_xor
    from fastgd.report import format_notebook, format_table, to_csv, to_json

    # Everything that can be checked is checked before the sweep: outputs, sizes, the cluster.
    check_outputs(
        Output("--plot", args.plot, suffixes=PLOT_SUFFIXES),
        Output("--json", args.json, stdout=True),
        Output("--csv", args.csv, stdout=True),
    )
    check_results_fit(args)
    quiet_stdout = "-" in (args.json, args.csv)  # stdout carries data: keep the rest on stderr
    say = (lambda text: print(text, file=sys.stderr)) if quiet_stdout else print
    with dask_client(args.scheduler) as client:
        started = time.perf_counter()
        result = sweep_xor(
            args.alphas,
            steps=args.steps,
            seed=args.seed,
            log_every=args.log_every,
            hidden=args.hidden,
            seeds=args.seeds,
            workers=args.workers,
            client=client,
            progress=args.progress,
            device=args.device,
        )
    elapsed = time.perf_counter() - started
    say(format_notebook(result) if args.style == "notebook" else format_table(result))
    say(
        f"\n{result.errors.size // len(result.checkpoints)} runs x {args.steps} steps "
        f"in {elapsed:.3f} s. {result.message}"
    )
    _write(args.json, to_json, result)
    _write(args.csv, to_csv, result)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")  # files only: never needs a display
        from fastgd.plot import plot_sweep

        plot_sweep(result, args.plot)
        say(f"plot written to {args.plot}")
    return 0 if result.success else 1


def check_results_fit(args: argparse.Namespace) -> None:
    """Refuse, naming the options, a sweep whose records cannot fit in memory."""
    if not all(isinstance(v, int) and v >= 1 for v in (args.steps, args.log_every, args.hidden)):
        return  # sweep_xor names the bad value
    n_runs = len(args.alphas) * (len(args.seeds) if args.seeds else 1)
    curve_every = choose_curve_every(args.steps, args.log_every, n_runs)
    n_weights = 3 * args.hidden + args.hidden  # the XOR network: 3 inputs, 1 output
    check_fits(
        output_bytes(args.steps, args.log_every, curve_every, n_weights, n_runs),
        f"--steps {args.steps} with --log-every {args.log_every} "
        f"({-(-args.steps // args.log_every)} checkpoints per run, {n_runs} runs)",
    )


def _write(path: str | None, render, result) -> None:
    if path is None:
        return
    text = render(result)
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text)
