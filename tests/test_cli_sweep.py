"""``fastgd sweep``: prints the table, writes the plot and machine-readable output."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from fastgd.cli import main


def test_sweep_prints_table_and_writes_plot_json_csv(tmp_path, capsys):
    png, js, cs = tmp_path / "s.png", tmp_path / "s.json", tmp_path / "s.csv"
    code = main(
        [
            "sweep",
            "--alphas",
            "0.1",
            "10",
            "--steps",
            "300",
            "--log-every",
            "100",
            "--plot",
            str(png),
            "--json",
            str(js),
            "--csv",
            str(cs),
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "alpha" in out and "200" in out and "2 runs x 300 steps" in out
    assert png.stat().st_size > 10_000
    data = json.loads(js.read_text())
    assert data["alphas"] == [0.1, 10.0] and data["checkpoints"] == [0, 100, 200]
    assert np.array(data["errors"]).shape == (2, 3)
    rows = list(csv.DictReader(cs.open()))
    assert len(rows) == 6 and set(rows[0]) == {"alpha", "step", "error"}


def test_sweep_notebook_style_prints_the_notebooks_lines(capsys):
    main(
        [
            "sweep",
            "--alphas",
            "1",
            "--steps",
            "20",
            "--log-every",
            "10",
            "--plot",
            "",
            "--style",
            "notebook",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert "Training With Alpha: 1\nError after  0  iterations:  0.49641003190272537" in out


def test_sweep_with_seeds_writes_seed_column(capsys):
    main(
        [
            "sweep",
            "--alphas",
            "1",
            "--seeds",
            "1",
            "2",
            "--steps",
            "20",
            "--log-every",
            "10",
            "--plot",
            "",
            "--csv",
            "-",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "alpha,seed,step,error" and len(out.splitlines()) == 5


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--alphas", "-1"], "alphas must be > 0"),
        (["--steps", "0"], "steps must be >= 1"),
        (["--log-every", "0"], "log_every must be >= 1"),
        (["--seeds", "1", "1"], "seeds must be distinct"),
    ],
)
def test_sweep_bad_input_exits_2_with_message(argv, message, capsys):
    assert main(["sweep", "--plot", "", "--no-progress", *argv]) == 2
    assert message in capsys.readouterr().out


def test_python_dash_m_fastgd_runs(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fastgd",
            "sweep",
            "--alphas",
            "1",
            "--steps",
            "10",
            "--log-every",
            "5",
            "--plot",
            "",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 runs x 10 steps" in proc.stdout
