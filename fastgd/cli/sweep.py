"""``fastgd sweep``: the notebook's learning-rate sweep (placeholder)."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("sweep", help="sweep the XOR network over learning rates")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return 0
