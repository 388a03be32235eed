"""Check a command's output paths before it computes anything (``--plot``, ``--json``, ...).

A sweep that runs for minutes and then cannot write its plot has wasted the minutes. Each
command calls :func:`check_outputs` first, with every output it was asked for::

    from fastgd.cli._outputs import PLOT_SUFFIXES, Output, check_outputs

    check_outputs(
        Output("--plot", args.plot, suffixes=PLOT_SUFFIXES),
        Output("--json", args.json, stdout=True),
        Output("--csv", args.csv, stdout=True),
    )

A problem raises ``ValueError`` naming the option, which the CLI turns into exit status 2.
``None`` or ``""`` means "no output"; ``"-"`` means standard output where ``stdout=True``.
Nothing is created: a failed run leaves no empty files behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

#: The value that means "write to standard output".
STDOUT = "-"

#: File name suffixes matplotlib's default backends write (``savefig`` picks the format from
#: the suffix, and raises only after the figure is drawn when it does not know it).
PLOT_SUFFIXES = frozenset({".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".pgf"}) | frozenset(
    {".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".raw", ".rgba"}
)
#: Animations: matplotlib's Pillow writer.
GIF_SUFFIXES = frozenset({".gif"})


@dataclass(frozen=True)
class Output:
    """One output a command was asked for.

    Attributes
    ----------
    option : str
        The option as the user typed it, e.g. ``"--plot"``: named in every error.
    path : str, os.PathLike or None
        Where to write; None or ``""``: this output is not wanted.
    stdout : bool
        Whether ``"-"`` (standard output) is accepted.
    suffixes : collection of str, optional
        Accepted file name suffixes (lower case, with the dot); a path without a suffix is
        accepted too.
    """

    option: str
    path: str | os.PathLike | None
    stdout: bool = False
    suffixes: Collection[str] | None = None

    @property
    def wanted(self) -> bool:
        return self.path is not None and os.fspath(self.path) != ""

    @property
    def to_stdout(self) -> bool:
        return self.wanted and os.fspath(self.path) == STDOUT


def check_output(
    option: str,
    path: str | os.PathLike | None,
    *,
    stdout: bool = False,
    suffixes: Collection[str] | None = None,
) -> None:
    """Check a single output; see :class:`Output` and :func:`check_outputs`."""
    check_outputs(Output(option, path, stdout=stdout, suffixes=suffixes))


def check_outputs(*outputs: Output) -> None:
    """Raise ValueError naming the option unless every wanted output can be written.

    Checked for each: ``"-"`` only where standard output is accepted; a known suffix; the
    path is not a directory; its directory exists, is a directory and is writable (tested
    by creating and removing a temporary file there, which also catches read-only file
    systems); an existing file can be overwritten. Across them: no two outputs write the same
    file, and at most one writes to standard output.
    """
    seen: dict[str, Output] = {}
    for output in outputs:
        if not output.wanted:
            continue
        if output.to_stdout:
            if not output.stdout:
                raise ValueError(f"{output.option}: '-' (standard output) is not supported here")
            where = STDOUT
        else:
            where = os.path.realpath(_check_file(output))
        if where in seen:
            first = seen[where]
            if where == STDOUT:
                raise ValueError(
                    f"{first.option} and {output.option} both write to standard output"
                )
            raise ValueError(
                f"{first.option} {os.fspath(first.path)!r} and {output.option} "
                f"{os.fspath(output.path)!r} are the same file"
            )
        seen[where] = output


def _check_file(output: Output) -> Path:
    name = os.fspath(output.path)
    path = Path(name)
    prefix = f"{output.option} {name!r}"
    suffix = path.suffix.lower()
    if output.suffixes is not None and suffix and suffix not in output.suffixes:
        known = ", ".join(sorted(output.suffixes))
        raise ValueError(f"{prefix}: unknown file type {path.suffix!r} (one of {known})")
    if path.is_dir():
        raise ValueError(f"{prefix} is a directory; give a file name")
    parent = path.parent
    if not parent.exists():
        raise ValueError(f"{prefix}: directory {os.fspath(parent)!r} does not exist")
    if not parent.is_dir():
        raise ValueError(f"{prefix}: {os.fspath(parent)!r} is not a directory")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise ValueError(f"{prefix}: the existing file cannot be overwritten")
        return path
    try:
        tempfile.TemporaryFile(dir=parent).close()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValueError(
            f"{prefix}: cannot write in directory {os.fspath(parent)!r} ({reason})"
        ) from None
    return path
