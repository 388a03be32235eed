"""``fastgd descend``: minimise an expression by gradient descent, printing as the article does.

EXPR is parsed by :mod:`fastgd.expressions` (a whitelist over Python's syntax tree, never
``eval``) and compiled once into a cached module, so running the same EXPR again compiles
nothing and does not import sympy.
"""

from __future__ import annotations

import argparse
import time

from fastgd.cli._outputs import GIF_SUFFIXES, PLOT_SUFFIXES, Output, check_outputs


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "descend",
        help="minimise an expression by gradient descent (the article's runs)",
        description="Minimise EXPR, an expression in x (or x, y, ...; variables in name order) "
        "made of numbers, + - * / **, and the functions sin cos tan asin acos atan sinh cosh "
        "tanh asinh acosh atanh exp log sqrt abs, by gradient descent, printing 'Iteration k "
        "has x value ...' every PRINT_EVERY updates as the article does. Example: fastgd "
        "descend 'sin(x**2 + y**2)' --x0 0 -1 --jac forward --lr 0.1 --gamma 0.7 --every 20 "
        "--max-iter 302 --plot path.png",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("expr", metavar="EXPR", help="the function, e.g. '(x-10)**2'")
    starts = parser.add_mutually_exclusive_group(required=True)
    starts.add_argument("--x0", type=float, nargs="+", help="starting point")
    starts.add_argument(
        "--x0-grid",
        type=float,
        nargs=5,
        metavar=("XMIN", "XMAX", "YMIN", "YMAX", "N"),
        help="a sweep from N x N starts on this lattice (2-D problems)",
    )
    parser.add_argument(
        "--jac",
        choices=("sympy", "forward", "central"),
        default="sympy",
        help="gradient: exact (sympy.diff) or finite differences",
    )
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate")
    parser.add_argument("--gamma", type=float, default=1.0, help="decay factor of the rate")
    parser.add_argument("--every", type=int, default=20, help="updates between decays")
    parser.add_argument(
        "--decay-convention",
        choices=("article", "pytorch"),
        default="article",
        help="article: decay after updates 0, every, ...; pytorch: as StepLR",
    )
    parser.add_argument("--momentum", type=float, default=0.0, help="momentum factor in [0, 1)")
    parser.add_argument("--nesterov", action="store_true", help="Nesterov momentum")
    parser.add_argument(
        "--window", type=int, default=None, help="steps remembered by the momentum (default: all)"
    )
    parser.add_argument(
        "--tol", type=float, default=1e-5, help="stop when every coordinate moved less than this"
    )
    parser.add_argument("--max-iter", type=int, default=1000, help="maximum updates")
    parser.add_argument("--epsilon", type=float, default=0.01, help="finite-difference step")
    parser.add_argument("--print-every", type=int, default=20, help="progress line interval")
    parser.add_argument(
        "--plot",
        default=None,
        metavar="PNG",
        help="write the path over f (1-D curve or 2-D contours)",
    )
    parser.add_argument(
        "--plot3d",
        default=None,
        metavar="PNG",
        help="write the path on the 3-D surface (2-D problems)",
    )
    parser.add_argument("--gif", default=None, metavar="GIF", help="write an animation")
    sweep = parser.add_argument_group(
        "sweeps",
        "With --x0-grid, --lrs or --momenta, every start x rate x momentum is a run "
        "(fastgd.minimize_many); --plot then draws the basins of attraction (several 2-D "
        "starts) or final f over rates x momenta (one start).",
    )
    sweep.add_argument("--lrs", type=float, nargs="+", metavar="LR", help="learning rates")
    sweep.add_argument("--momenta", type=float, nargs="+", metavar="M", help="momenta")
    sweep.add_argument("--json", default=None, metavar="PATH", help="one record per run ('-')")
    sweep.add_argument("--csv", default=None, metavar="PATH", help="one row per run ('-')")
    sweep.add_argument("--workers", type=int, default=None, help="threads (default: all CPUs)")
    sweep.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="progress bar on stderr",
    )
    parser.set_defaults(run=run)


def format_point(point) -> str:
    """As the article prints: the full float in 1-D, (x.xxxx,y.yyyy) in more dimensions."""
    if len(point) == 1:
        return repr(float(point[0]))
    return "(" + ",".join(f"{value:.4f}" for value in point) + ")"


def _check(args: argparse.Namespace, *more: Output) -> tuple[str, ...]:
    """Everything that can be refused before computing; returns EXPR's variables."""
    from fastgd import expressions

    if args.print_every < 1:
        raise ValueError(f"--print-every must be >= 1, got {args.print_every}")
    variables = expressions.variables_of(args.expr)  # refuses anything but an expression
    if args.plot3d and len(variables) != 2:
        raise ValueError("--plot3d needs a function of two variables")
    check_outputs(
        Output("--plot", args.plot, suffixes=PLOT_SUFFIXES),
        Output("--plot3d", args.plot3d, suffixes=PLOT_SUFFIXES),
        Output("--gif", args.gif, suffixes=GIF_SUFFIXES),
        *more,
    )
    return variables


def is_sweep(args: argparse.Namespace) -> bool:
    return args.x0_grid is not None or args.lrs is not None or args.momenta is not None


def run(args: argparse.Namespace) -> int:
    from fastgd import StepDecay, expressions, minimize

    if is_sweep(args):
        from fastgd.cli import descend_sweep

        return descend_sweep.run(args)
    if args.json or args.csv:
        raise ValueError("--json and --csv write a sweep's runs: add --x0-grid, --lrs or --momenta")
    variables = _check(args)
    lr = StepDecay(args.lr, args.gamma, args.every, convention=args.decay_convention)
    started = time.perf_counter()
    result = minimize(
        args.expr,
        args.x0,
        jac=None if args.jac == "sympy" else args.jac,
        lr=lr,
        momentum=args.momentum,
        nesterov=args.nesterov,
        window=args.window,
        tol=args.tol,
        max_iter=args.max_iter,
        epsilon=args.epsilon,
    )
    elapsed = time.perf_counter() - started
    expression = expressions.load(args.expr).EXPRESSION
    print(f"minimising f({', '.join(variables)}) = {expression} from {format_point(args.x0)}")
    last = result.nit - 1  # the update that ended the run is reported by the closing line
    for k in range(0, result.nit, args.print_every):
        if k == last and result.status == 0:
            break
        print(f"Iteration {k} has x value {format_point(result.path[k + 1])}")
    print(result.message.split(":")[0])
    print(
        f"The local minimum occurs at {format_point(result.x)}"
        if result.success
        else f"Stopped at {format_point(result.x)}"
    )
    print(
        f"f = {result.fun!r} after {result.nit} updates, {result.nfev} evaluations of f "
        f"({elapsed * 1e3:.1f} ms including compilation)"
    )
    _plots(args, result)
    return 0 if result.success else 1


def _plots(args, result) -> None:
    if not (args.plot or args.plot3d or args.gif):
        return
    import matplotlib

    matplotlib.use("Agg")
    from fastgd.plot import animate_descent, plot_descent, plot_descent_3d

    if args.plot:
        plot_descent(result, args.expr).figure.savefig(args.plot, dpi=120)
        print(f"plot written to {args.plot}")
    if args.plot3d:
        plot_descent_3d(result, args.expr).figure.savefig(args.plot3d, dpi=120)
        print(f"3-D plot written to {args.plot3d}")
    if args.gif:
        animate_descent(result, args.expr, args.gif)
        print(f"animation written to {args.gif}")
