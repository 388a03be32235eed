"""``fastgd descend``: the article's printout from the command line, plots, clear errors."""

import pytest

from fastgd.cli import main


def test_descend_prints_the_articles_quadratic_run(capsys):
    assert main(["descend", "(x-10)**2", "--x0", "30", "--lr", "0.05", "--max-iter", "302"]) == 0
    out = capsys.readouterr().out
    assert "Iteration 0 has x value 28.0\n" in out
    assert "Iteration 100 has x value 10.000478105179978\n" in out
    assert "Local min reached\nThe local minimum occurs at 10.000088593855091\n" in out


def test_descend_prints_the_articles_perturbation_run_and_plots(tmp_path, capsys):
    png, png3d, gif = tmp_path / "p.png", tmp_path / "p3.png", tmp_path / "p.gif"
    code = main(
        [
            "descend",
            "sin(x**2 + y**2)",
            "--x0",
            "0",
            "-1",
            "--jac",
            "forward",
            "--lr",
            "0.1",
            "--gamma",
            "0.7",
            "--every",
            "20",
            "--max-iter",
            "302",
            "--plot",
            str(png),
            "--plot3d",
            str(png3d),
            "--gif",
            str(gif),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    expected = [
        "Iteration 0 has x value (-0.0005,-0.8908)",
        "Iteration 20 has x value (-0.0048,-0.0542)",
        "Iteration 40 has x value (-0.0050,-0.0112)",
        "Iteration 60 has x value (-0.0050,-0.0065)",
        "Iteration 80 has x value (-0.0050,-0.0056)",
        "Local min reached",
    ]
    assert "\n".join(expected) in out
    for path in (png, png3d, gif):
        assert path.stat().st_size > 10_000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sin(x**", "--x0", "0"], "EXPR"),
        (["3", "--x0", "0"], "at least one variable"),
        (["x**2", "--x0", "1", "--lr", "-1"], "lr must be finite and > 0"),
        (["x**2", "--x0", "1", "--momentum", "1.5"], "momentum"),
        (["x**2 + y**2", "--x0", "1"], "fun has 2 variables [x, y] but x0 has 1 values"),
    ],
)
def test_descend_bad_input_exits_2_naming_the_argument(argv, message, capsys):
    assert main(["descend", *argv]) == 2
    assert message in capsys.readouterr().out


def test_descend_max_iter_exits_1(capsys):
    assert main(["descend", "x**2", "--x0", "5", "--lr", "0.001", "--max-iter", "5"]) == 1
    assert "Max iter reached" in capsys.readouterr().out
