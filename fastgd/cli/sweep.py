"""``fastgd sweep``: the notebook's learning-rate sweep, printed, plotted and saved."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fastgd.problems import NOTEBOOK_ALPHAS


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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fastgd import sweep_xor
    from fastgd.report import format_notebook, format_table, to_csv, to_json

    quiet_stdout = "-" in (args.json, args.csv)  # stdout carries data: keep the rest on stderr
    say = (lambda text: print(text, file=sys.stderr)) if quiet_stdout else print
    started = time.perf_counter()
    with _client(args.scheduler) as client:
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


def _write(path: str | None, render, result) -> None:
    if path is None:
        return
    text = render(result)
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text)


class _client:
    """A Dask client for ``--scheduler`` (closed on exit), or None to run locally."""

    def __init__(self, address: str | None):
        self.address = address
        self.client = None

    def __enter__(self):
        if self.address is None:
            return None
        try:
            from distributed import Client
        except ImportError:
            raise ValueError("--scheduler needs Dask: pip install 'fastgd[dask]'") from None
        self.client = Client(self.address, timeout="10s")
        return self.client

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
