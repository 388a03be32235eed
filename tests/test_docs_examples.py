"""Every Python example in README.md and docs/*.md runs (issue 7 item 15: docs that cannot rot).

Each ```python block is one test, run in the order of the file; the blocks of one file share
a namespace, as a reader pasting them one after another into a session would. Each file runs in a
fresh interpreter (what one file imports cannot make another's examples pass), in a
temporary working directory (files they write land there), with matplotlib's Agg backend.

A block that cannot run here is marked in the Markdown, on the line right before it, with
the reason, e.g. ``<!-- fastgd: skip-example (needs a Dask cluster) -->``; keep this rare.
Whatever the docs hold is picked up: a new file in docs/ or a new block needs no change here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\s`]*)[^`]*$")
SKIP = re.compile(r"<!--\s*fastgd:\s*skip-example\s*(?:\((?P<reason>.*?)\))?\s*-->")


@dataclass(frozen=True)
class Example:
    """One ```python block: its file, the line of its first code line, its code."""

    path: Path
    line: int
    code: str
    skip: str | None  # the reason given by a skip marker, or None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def examples_in(path: Path) -> list[Example]:
    """The Python blocks of a Markdown file, with the skip marker (if any) right before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, start = opening["fence"], i
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1  # past the closing fence
        if opening["info"].lower() in ("python", "py", "python3"):
            found.append(Example(path, start + 2, "\n".join(body) + "\n", _marker(lines, start)))
    return found


def _marker(lines: list[str], fence_line: int) -> str | None:
    """The reason of a skip marker on the nearest non-blank line above the fence."""
    j = fence_line - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    match = SKIP.search(lines[j]) if j >= 0 else None
    if match is None:
        return None
    return match["reason"] or "marked skip-example"


def doc_files() -> list[Path]:
    return [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))] if p.exists()]


ALL = [example for path in doc_files() for example in examples_in(path)]

# Runs one file's blocks in order in a fresh interpreter (so that what one file imports cannot
# make another's examples pass) and writes one JSON line per block to the file in argv[1].
_RUNNER = """
import json, linecache, sys, traceback
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
out = open(sys.argv[1], "w")
blocks = json.load(open(sys.argv[2]))
namespace = {"__name__": "__main__"}
failed = None
for path, line, code, name in blocks:
    if failed is not None:
        result = {"outcome": "after-failure", "detail": failed}
    else:
        try:
            # not the Markdown file's own path: like code pasted at a prompt, not in a file
            # (Numba would otherwise cache the examples' functions next to the docs)
            source = "\\n" * (line - 1) + code
            filename = f"<{name}>"
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            exec(compile(source, filename, "exec"), namespace)
            result = {"outcome": "passed"}
        except BaseException as exc:
            failed = name
            result = {"outcome": "failed", "detail": traceback.format_exc()}
            if isinstance(exc, KeyboardInterrupt):
                raise
        finally:
            plt.close("all")
    out.write(json.dumps(result) + "\\n")
    out.flush()
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Each file's blocks, run once in a subprocess when the first of its tests asks."""
    cache: dict[Path, dict[int, dict]] = {}

    def of(path: Path) -> dict[int, dict]:
        if path not in cache:
            cache[path] = _run_file(path, tmp_path_factory.mktemp("docs"))
        return cache[path]

    return of


def _run_file(path: Path, workdir: Path) -> dict[int, dict]:
    runnable = [e for e in examples_in(path) if e.skip is None]
    blocks = workdir / "blocks.json"
    blocks.write_text(json.dumps([[str(e.path), e.line, e.code, e.name] for e in runnable]))
    results = workdir / "results.jsonl"
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(results), str(blocks)],
        cwd=workdir,
        env=dict(os.environ, MPLBACKEND="Agg"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    done = (
        [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    )
    crash = f"the interpreter running {path.name} exited with {proc.returncode}:\n{proc.stderr}"
    done += [{"outcome": "crashed", "detail": crash}] * (len(runnable) - len(done))
    return dict(zip([e.line for e in runnable], done, strict=True))


@pytest.mark.parametrize("example", ALL, ids=[example.name for example in ALL])
def test_example_runs(example: Example, outcomes):
    if example.skip is not None:
        pytest.skip(example.skip)
    result = outcomes(example.path)[example.line]
    if result["outcome"] == "after-failure":
        pytest.skip(f"an earlier example of this file failed: {result['detail']}")
    if result["outcome"] != "passed":
        pytest.fail(f"{example.name} {result['outcome']}:\n{result['detail']}", pytrace=False)


# --------------------------------------------------------------------------------------------
# the harness itself


def test_blocks_markers_and_line_numbers_are_read_as_written(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# Title\n"
        "```python\n"
        "a = 1\n"
        "```\n"
        "```bash\n"
        "echo not python\n"
        "```\n"
        "<!-- fastgd: skip-example (needs a Dask cluster) -->\n"
        "\n"
        "```python\n"
        "client = Client('tcp://HOST:8786')\n"
        "```\n"
        "````py\n"
        "b = '```'\n"
        "````\n"
    )
    found = examples_in(doc)
    assert [(e.line, e.code, e.skip) for e in found] == [
        (3, "a = 1\n", None),
        (11, "client = Client('tcp://HOST:8786')\n", "needs a Dask cluster"),
        (14, "b = '```'\n", None),
    ]


def test_fastgd_plot_is_an_attribute_of_fastgd_loaded_on_first_use():
    code = (
        "import sys, fastgd; assert 'fastgd.plot' not in sys.modules; "
        "assert callable(fastgd.plot.plot_sweep) and callable(fastgd.report.format_table); "
        "assert 'fastgd.plot' in sys.modules and 'matplotlib' not in sys.modules; "
        "import pytest; pytest.raises(AttributeError, getattr, fastgd, 'nonexistent')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, MPLBACKEND="Agg"))


def test_every_doc_file_is_looked_at():
    names = {path.relative_to(ROOT).as_posix() for path in doc_files()}
    assert "README.md" in names and any(name.startswith("docs/") for name in names)
