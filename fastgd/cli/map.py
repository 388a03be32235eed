"""``fastgd map``: a trainability map of the notebook's or the paper's network, drawn, saved."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from fastgd.cli._cluster import dask_client
from fastgd.cli._outputs import GIF_SUFFIXES, PLOT_SUFFIXES, Output, check_outputs
from fastgd.problems import MAP_WINDOWS
from fastgd.xor import DEVICES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "map",
        help="train the network for every pair of per-layer learning rates (a trainability map)",
        description="Train the network for every (hidden-layer, output-layer) learning-rate "
        "pair of a log-spaced grid and draw which pairs converge (Sohl-Dickstein 2024). "
        "Defaults depend on --network: "
        + "; ".join(
            f"{name}: --alpha-hidden {w.alpha_hidden[0]:g} {w.alpha_hidden[1]:g} "
            f"--alpha-output {w.alpha_output[0]:g} {w.alpha_output[1]:g} "
            f"--steps {w.steps} --resolution {w.resolution}"
            for name, w in MAP_WINDOWS.items()
        )
        + ".",
    )
    parser.add_argument(
        "--network",
        choices=tuple(MAP_WINDOWS),
        default="notebook",
        help="the notebook's 3-4-1 sigmoid XOR network, or the paper's (width 16, tanh, "
        "linear output, MSE, mean-field, 272 Gaussian samples)",
    )
    parser.add_argument(
        "--alpha-hidden", type=float, nargs=2, metavar=("LO", "HI"), help="hidden-layer rates"
    )
    parser.add_argument(
        "--alpha-output", type=float, nargs=2, metavar=("LO", "HI"), help="output-layer rates"
    )
    parser.add_argument("--resolution", type=int, metavar="N", help="rates per axis")
    parser.add_argument("--steps", type=int, help="gradient steps per cell")
    parser.add_argument(
        "--zoom",
        type=float,
        nargs=3,
        metavar=("AH", "AO", "FACTOR"),
        help="map the window FACTOR times narrower (in decades) around the rates (AH, AO)",
    )
    parser.add_argument(
        "--plot", "-o", default="fastgd_map.png", metavar="FILE", help="the picture ('' for none)"
    )
    parser.add_argument("--npz", default=None, metavar="FILE", help="also save the map's arrays")
    parser.add_argument(
        "--gif",
        default=None,
        metavar="FILE",
        help="with --zoom: write the zoom from the window to the zoomed one as an animation",
    )
    parser.add_argument("--frames", type=int, default=12, help="frames of the --gif zoom")
    parser.add_argument("--workers", type=int, default=None, help="threads on this machine")
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="run on the Dask cluster at ADDRESS"
    )
    parser.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=True, help="progress bar"
    )
    parser.add_argument("--device", choices=DEVICES, default="cpu", help="CPU cores or a GPU")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import fastgd
    from fastgd.problems import map_network

    check_outputs(
        Output("--plot", args.plot, suffixes=PLOT_SUFFIXES),
        Output("--npz", args.npz, suffixes={".npz"}),
        Output("--gif", args.gif, suffixes=GIF_SUFFIXES),
    )
    if args.gif and args.zoom is None:
        raise ValueError("--gif draws a zoom sequence: give --zoom AH AO FACTOR too")
    window = MAP_WINDOWS[args.network]
    resolution = window.resolution if args.resolution is None else args.resolution
    steps = window.steps if args.steps is None else args.steps
    for option, value in (
        ("--resolution", resolution),
        ("--steps", steps),
        ("--frames", args.frames),
    ):
        if value < 1:
            raise ValueError(f"{option} must be >= 1, got {value}")
    axes = (
        (*(args.alpha_hidden or window.alpha_hidden), resolution),
        (*(args.alpha_output or window.alpha_output), resolution),
    )
    options = dict(steps=steps, workers=args.workers, progress=args.progress, device=args.device)
    options.update(map_network(args.network))
    if args.zoom is not None:
        center, factor = tuple(args.zoom[:2]), args.zoom[2]
        axes = tuple(axes)
        fastgd.zoom(center, factor, axes)  # checks the zoom before any work
    with dask_client(args.scheduler) as client:
        options["client"] = client
        started = time.perf_counter()
        if args.gif:
            frames = fastgd.zoom_sequence(center, factor, axes, args.frames, **options)
            result = frames[-1]
        else:
            if args.zoom is not None:
                axes = fastgd.zoom(center, factor, axes)
            result = fastgd.trainability_map(*axes, **options)
        elapsed = time.perf_counter() - started
    print(summary(result, args.network, elapsed, len(frames) if args.gif else 1))
    if args.npz:
        save_npz(result, args.npz)
        print(f"arrays written to {args.npz}")
    if args.plot or args.gif:
        import matplotlib

        matplotlib.use("Agg")  # files only: never needs a display
        from fastgd.plot import animate_maps

        if args.plot:
            result.plot().figure.savefig(args.plot, dpi=120)
            print(f"plot written to {args.plot}")
        if args.gif:
            animate_maps(frames, args.gif)
            print(f"zoom animation written to {args.gif}")
    return 0


def summary(result, network: str, seconds: float, maps: int = 1) -> str:
    """One paragraph: the window, what converged, how long it took."""
    n_h, n_o = result.final_error.shape
    cells = n_h * n_o
    converged = np.count_nonzero(result.measure < 0) / cells
    diverged = np.count_nonzero(result.status != 0) / cells
    run_steps = maps * cells * (result.steps + 1)
    return (
        f"{n_h} x {n_o} map, {network}'s network, {result.steps} steps: hidden-layer rates "
        f"{result.alpha_hidden[0]:.4g} .. {result.alpha_hidden[-1]:.4g}, output-layer rates "
        f"{result.alpha_output[0]:.4g} .. {result.alpha_output[-1]:.4g}.\n"
        f"{100 * converged:.1f} % of the runs converged, {100 * diverged:.1f} % diverged "
        f"(NaN/inf). {maps * cells:,} runs in {seconds:.2f} s "
        f"({run_steps / max(seconds, 1e-9) / 1e6:.1f} M run-steps/s)."
    )


def save_npz(result, path: str) -> None:
    """The map's arrays, and its settings as JSON (``np.load(path)["network"]``)."""
    np.savez(
        path,
        alpha_hidden=result.alpha_hidden,
        alpha_output=result.alpha_output,
        final_error=result.final_error,
        status=result.status,
        diverged_at=result.diverged_at,
        measure=result.measure,
        steps=result.steps,
        network=json.dumps(result.network),
    )
