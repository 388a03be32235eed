"""``fastgd map``, and the sweep and map commands' checks before any work (issue 7 item 12)."""

import json

import numpy as np
import pytest

from fastgd.cli import main

QUICK = ["--resolution", "6", "--steps", "40", "--no-progress"]


def test_map_writes_plot_and_npz(tmp_path, capsys):
    png, npz = tmp_path / "m.png", tmp_path / "m.npz"
    assert main(["map", *QUICK, "--plot", str(png), "--npz", str(npz)]) == 0
    out = capsys.readouterr().out
    assert "6 x 6 map, notebook's network, 40 steps" in out and "converged" in out
    assert png.stat().st_size > 5_000
    with np.load(npz) as data:
        assert data["final_error"].shape == (6, 6) and int(data["steps"]) == 40
        assert json.loads(str(data["network"]))["loss"] == "notebook"
        np.testing.assert_allclose(data["alpha_hidden"][[0, -1]], [1e-2, 1e3])


def test_map_window_and_zoom(tmp_path, capsys):
    npz = tmp_path / "z.npz"
    argv = ["map", *QUICK, "--plot", "", "--npz", str(npz), "--alpha-hidden", "0.1", "10"]
    assert main([*argv, "--alpha-output", "1", "100", "--zoom", "1", "10", "10"]) == 0
    with np.load(npz) as data:
        hidden, output = data["alpha_hidden"], data["alpha_output"]
    np.testing.assert_allclose([hidden[0], hidden[-1]], [10**-0.1, 10**0.1], rtol=1e-12)
    np.testing.assert_allclose([output[0], output[-1]], [10**0.9, 10**1.1], rtol=1e-12)


def test_map_zoom_gif(tmp_path):
    gif = tmp_path / "zoom.gif"
    argv = ["map", *QUICK, "--plot", "", "--zoom", "1", "1", "100", "--gif", str(gif)]
    assert main([*argv, "--frames", "3"]) == 0
    assert gif.stat().st_size > 1_000


def test_map_of_the_papers_network(capsys):
    argv = ["map", "--network", "paper", "--resolution", "2", "--steps", "5", "--plot", ""]
    assert main([*argv, "--no-progress"]) == 0
    assert "paper's network, 5 steps" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--resolution", "0"], "--resolution must be >= 1"),
        (["--steps", "0"], "--steps must be >= 1"),
        (["--gif", "x.gif"], "--gif draws a zoom sequence"),
        (["--zoom", "1", "1", "0"], "factor must be finite and > 0"),
        (["--alpha-hidden", "10", "1"], "alpha_hidden must have low < high"),
        (["--plot", "map.txt"], "--plot 'map.txt': unknown file type"),
        (["--npz", "map.csv"], "--npz 'map.csv': unknown file type"),
        (["--resolution", "10000000"], "needs"),
    ],
)
def test_map_bad_input_exits_2_with_message(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["map", "--no-progress", *argv]) == 2
    assert message in capsys.readouterr().out


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the command starts training (it must refuse before)."""
    import fastgd

    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    for name in ("sweep_xor", "trainability_map", "zoom_sequence"):
        monkeypatch.setattr(fastgd, name, refuse)


# Outputs that cannot be written are found before any training: these runs would take hours.
HOURS_OF_SWEEP = ["sweep", "--steps", "1000000000", "--no-progress"]
HOURS_OF_MAP = ["map", "--steps", "1000000000", "--resolution", "512", "--no-progress"]


@pytest.mark.parametrize(
    "argv",
    [
        [*HOURS_OF_SWEEP, "--plot", "{missing}/s.png"],
        [*HOURS_OF_SWEEP, "--plot", "", "--json", "{missing}/s.json"],
        [*HOURS_OF_SWEEP, "--plot", "", "--csv", "{dir}"],
        [*HOURS_OF_MAP, "--plot", "{missing}/m.png"],
        [*HOURS_OF_MAP, "--plot", "", "--npz", "{missing}/m.npz"],
        [*HOURS_OF_MAP, "--plot", "", "--zoom", "1", "1", "2", "--gif", "{missing}/m.gif"],
    ],
)
def test_unwritable_outputs_are_refused_before_the_computation(argv, tmp_path, capsys, no_training):
    values = {"missing": str(tmp_path / "no" / "such" / "dir"), "dir": str(tmp_path)}
    assert main([arg.format(**values) for arg in argv]) == 2
    out = capsys.readouterr().out
    assert "error:" in out and ("does not exist" in out or "is a directory" in out)


@pytest.mark.parametrize("command", [HOURS_OF_SWEEP, HOURS_OF_MAP])
def test_an_unreachable_scheduler_exits_2_naming_it(command, capsys, no_training):
    from fastgd.cli._cluster import CONNECT_TIMEOUT

    pytest.importorskip("distributed")
    assert CONNECT_TIMEOUT == "3s"  # how long it tries before giving up
    code = main([*command, "--plot", "", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "--scheduler" in capsys.readouterr().out


def test_sweep_with_more_records_than_memory_exits_2_before_training(capsys, no_training):
    code = main(["sweep", "--steps", "1000000000000", "--log-every", "1", "--plot", ""])
    assert code == 2
    out = capsys.readouterr().out
    assert "--steps 1000000000000 with --log-every 1" in out and "needs" in out
