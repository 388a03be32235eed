"""The CLI's generic error handling (exit 2 with a message, 130 on Ctrl-C, never a traceback)
and the shared output-path checks of fastgd.cli._outputs."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import textwrap
import types

import pytest

import fastgd.cli
from fastgd.cli import main
from fastgd.cli._outputs import GIF_SUFFIXES, PLOT_SUFFIXES, Output, check_output, check_outputs

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def _command(raises: BaseException):
    """A sub-command ``fake`` (options --steps, --rate, --out, EXPR) whose run raises."""

    def add_parser(subparsers):
        parser = subparsers.add_parser("fake")
        parser.add_argument("expr", metavar="EXPR")
        parser.add_argument("--steps", type=int, default=10)
        parser.add_argument("--rate", type=float, default=0.1)
        parser.add_argument("--out", default=None)
        parser.add_argument("--verbose", action="store_true")
        parser.set_defaults(run=run)

    def run(args: argparse.Namespace) -> int:
        raise raises

    return types.SimpleNamespace(add_parser=add_parser, run=run)


@pytest.fixture
def fake(monkeypatch):
    commands = fastgd.cli.COMMANDS

    def install(raises: BaseException):
        monkeypatch.setattr(fastgd.cli, "COMMANDS", (*commands, _command(raises)))

    return install


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (MemoryError("Unable to allocate 50.9 TiB"), "needs more memory than there is"),
        (OverflowError("int too large to convert to float"), "a number is out of range"),
        (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
        (ValueError("steps must be a positive integer, got -1"), "steps must be a positive"),
        (TypeError("alpha must be a real number"), "alpha must be a real number"),
    ],
)
def test_input_that_cannot_be_run_exits_2_with_a_message(fake, capsys, raised, expected):
    fake(raised)
    assert main(["fake", "x**2", "--steps", "1000000000000", "--verbose"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("fastgd fake: error: ") and expected in out
    assert "Traceback" not in out + err
    if isinstance(raised, (MemoryError, OverflowError)):
        # the arguments the user set are named; defaults and flags are not
        assert "--steps 1000000000000" in out and "EXPR x**2" in out
        assert "--rate" not in out and "--verbose" not in out


def test_memory_error_without_a_message_still_says_what_happened(fake, capsys):
    fake(MemoryError())
    assert main(["fake", "x"]) == 2
    assert "(MemoryError); check the sizes given: EXPR x" in capsys.readouterr().out


def test_os_error_names_the_option_whose_file_it_is(fake, capsys):
    fake(PermissionError(13, "Permission denied", "/ro/out.png"))
    assert main(["fake", "x", "--out", "/ro/out.png"]) == 2
    assert "--out '/ro/out.png': Permission denied" in capsys.readouterr().out
    fake(ConnectionRefusedError(111, "Connection refused"))
    assert main(["fake", "x"]) == 2
    assert "Connection refused" in capsys.readouterr().out
    fake(OSError("Timed out trying to connect to tcp://HOST:8786 after 10 s"))
    assert main(["fake", "x", "--out", "tcp://HOST:8786"]) == 2
    assert "error: --out 'tcp://HOST:8786': Timed out trying" in capsys.readouterr().out


def test_ctrl_c_exits_130(fake, capsys):
    fake(KeyboardInterrupt())
    assert main(["fake", "x"]) == 130
    assert "interrupted" in capsys.readouterr().out


def test_a_bug_is_not_disguised_as_bad_input(fake):
    fake(RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        main(["fake", "x"])


def test_sweep_too_large_for_memory_exits_2_naming_the_sizes(capsys):
    # issue 7 item 12: 7 runs x 10**12 checkpoints; refused before any training
    code = main(["sweep", "--steps", "1000000000000", "--log-every", "1", "--plot", "",
                 "--no-progress"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 2 and "error:" in out and "--steps" in out


def test_a_closed_pipe_ends_quietly():
    script = "import fastgd.cli as c; raise SystemExit(c.main(['cache', 'info']))"
    proc = subprocess.Popen(
        f'{sys.executable} -c "{script}" | head -c 1 > /dev/null',
        shell=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------------
# output paths


def test_outputs_that_are_fine(tmp_path):
    existing = tmp_path / "old.png"
    existing.write_bytes(b"old")
    check_outputs(
        Output("--plot", str(tmp_path / "new.png"), suffixes=PLOT_SUFFIXES),
        Output("--plot3d", existing, suffixes=PLOT_SUFFIXES),
        Output("--json", "-", stdout=True),
        Output("--csv", None, stdout=True),
        Output("--gif", "", suffixes=GIF_SUFFIXES),
        Output("--npz", tmp_path / "noext"),
    )
    assert existing.read_bytes() == b"old"  # nothing written, nothing created
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.png"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: Output("--plot", d / "missing" / "p.png"), "does not exist"),
        (lambda d: Output("--plot", d), "is a directory; give a file name"),
        (lambda d: Output("--json", d / "file.txt" / "x.json"), "is not a directory"),
        (lambda d: Output("--plot", d / "p.xyz", suffixes=PLOT_SUFFIXES), "unknown file type"),
        (lambda d: Output("--gif", d / "a.png", suffixes=GIF_SUFFIXES), "one of .gif"),
        (lambda d: Output("--npz", "-"), "'-' (standard output) is not supported"),
    ],
)
def test_outputs_that_cannot_be_written_name_the_option(tmp_path, make, message):
    (tmp_path / "file.txt").write_text("a file, not a directory")
    output = make(tmp_path)
    with pytest.raises(ValueError, match=r"^" + output.option) as info:
        check_outputs(output)
    assert message in str(info.value)


def test_two_outputs_to_one_place_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="--json 'out.txt' and --csv './out.txt' are the same"):
        check_outputs(Output("--json", "out.txt"), Output("--csv", "./out.txt"))
    with pytest.raises(ValueError, match="--json and --csv both write to standard output"):
        check_outputs(Output("--json", "-", stdout=True), Output("--csv", "-", stdout=True))


_CHECK_IN_CHILD = """
import sys
from fastgd.cli._outputs import check_output
try:
    check_output("--plot", sys.argv[1])
except ValueError as exc:
    print(exc)
else:
    print("ok")
"""


def _check_unprivileged(path) -> str:
    """check_output(path) as a user without root's override of file permissions."""
    if not ROOT_USER:
        try:
            check_output("--plot", path)
        except ValueError as exc:
            return str(exc)
        return "ok"
    argv = ["unshare", "--user", sys.executable, "-c", textwrap.dedent(_CHECK_IN_CHILD), path]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"running as root without user namespaces: {proc.stderr.strip()}")
    return proc.stdout.strip()


def test_unwritable_directory_and_file_are_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "old.png").write_bytes(b"old")
    (locked / "old.png").chmod(0o444)
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        new = _check_unprivileged(str(locked / "new.png"))
        old = _check_unprivileged(str(locked / "old.png"))
    finally:
        locked.chmod(0o755)
    assert new.startswith("--plot") and "cannot write in directory" in new, new
    assert old.startswith("--plot") and "cannot be overwritten" in old, old
