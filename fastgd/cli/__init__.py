"""The ``fastgd`` command: one sub-command per job (``sweep``, ``map``, ``descend``, ``cache``).

Exit statuses, as the README promises: 0 success; 1 a run that diverged (or a command that
could not do all it was asked); 2 input that cannot be run, with a message naming the
argument and never a traceback; 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from fastgd import __version__
from fastgd.cli import cache, descend, sweep
from fastgd.cli import map as map_command

#: Each sub-command module has ``add_parser(subparsers)`` and ``run(args) -> int``.
COMMANDS = (sweep, map_command, descend, cache)

#: Exit status for input that cannot be run (argparse uses it for its own usage errors).
EXIT_INPUT = 2
#: Exit status after Ctrl-C (128 + SIGINT), as a shell reports it.
EXIT_INTERRUPTED = 130


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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"fastgd {args.command}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `fastgd sweep --csv - | head`: the reader has gone
        _silence_stdout()
        return 1
    except (ValueError, TypeError) as exc:  # bad input: the message names the argument
        return _input_error(args, str(exc))
    except MemoryError as exc:
        return _input_error(
            args,
            f"this input needs more memory than there is ({_detail(exc)}); "
            + _suspects(parser, args, "sizes"),
        )
    except OverflowError as exc:
        return _input_error(
            args, f"a number is out of range ({_detail(exc)}); " + _suspects(parser, args, "values")
        )
    except RecursionError:
        return _input_error(args, "the input is nested too deeply to be processed")
    except OSError as exc:  # an output that cannot be written, a scheduler that cannot be reached
        return _input_error(args, _os_error(parser, args, exc))


def _input_error(args: argparse.Namespace, message: str) -> int:
    print(f"fastgd {args.command}: error: {message}")
    return EXIT_INPUT


def _detail(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _given(parser: argparse.ArgumentParser, args: argparse.Namespace, kinds: tuple) -> list[str]:
    """``--option value`` for every argument of ``kinds`` that differs from its default.

    The generic handlers cannot know which argument made an input too big; those the user set
    (numbers, and positionals such as EXPR) are where to look.
    """
    subparser = _subparser(parser, args.command)
    if subparser is None:
        return []
    given = []
    for action in subparser._actions:  # argparse keeps no public list of its actions
        value = getattr(args, action.dest, None)
        if action.dest in ("help", "run") or value is None or value == action.default:
            continue
        if action.option_strings and action.type not in kinds:
            continue
        name = action.option_strings[-1] if action.option_strings else action.metavar
        name = name or action.dest.upper()
        shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        given.append(f"{name} {shown}")
    return given


def _suspects(parser, args, what: str) -> str:
    given = _given(parser, args, (int, float))
    if not given:
        return f"try smaller {what}"
    return f"check the {what} given: " + ", ".join(given)


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(command)
    return None


def _os_error(parser, args, exc: OSError) -> str:
    """Name the option the error is about: its value is the file, or appears in the message."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    subparser = _subparser(parser, args.command)
    options = [
        (action.option_strings[-1], getattr(args, action.dest, None))
        for action in (subparser._actions if subparser else ())
        if action.option_strings
    ]
    if exc.filename is not None:
        for option, value in options:
            if value == exc.filename:
                return f"{option} {exc.filename!r}: {reason}"
        return f"{exc.filename!r}: {reason}"
    for option, value in options:  # e.g. a --scheduler address that cannot be reached
        if isinstance(value, str) and len(value) > 2 and value in reason:
            return f"{option} {value!r}: {reason}"
    return reason


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's exit flush does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
