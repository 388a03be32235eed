"""The ``fastgd`` command: one sub-command per job (``fastgd sweep``, ``fastgd descend``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from fastgd import __version__
from fastgd.cli import cache, descend, sweep

#: Each sub-command module has ``add_parser(subparsers)`` and ``run(args) -> int``.
COMMANDS = (sweep, descend, cache)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastgd", description="Gradient-descent experiments, fast (Numba kernels)."
    )
    parser.add_argument("--version", action="version", version=f"fastgd {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError) as exc:  # bad input: a clear message, not a traceback
        print(f"fastgd {args.command}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        print(f"fastgd {args.command}: interrupted")
        return 130
