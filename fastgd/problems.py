"""The seed documents' problems and the numbers they printed, in one place.

Tests check fastgd against these numbers, benchmarks time these problems, and the docs use
them as examples, so each constant has one source. The objectives are module-level functions
in a file, which is what lets fastgd compile them once and keep them in its disk cache.

* ``alpha_sweep_notebook``: the XOR data, the learning rates, the printed errors and the
  seeded initial weights.
* ``gradient_descent_article``: the quadratic and the "unknown" function ``sin(x**2 + y**2)``,
  the printed iterates, and the article's own Python loops (the speed baseline).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# --- alpha_sweep_notebook -------------------------------------------------------------------

#: The notebook's XOR inputs; the third column is a constant 1 that acts as a bias.
XOR_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
#: The notebook's XOR targets.
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
#: The notebook's learning rates.
NOTEBOOK_ALPHAS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
#: Mean absolute error printed every 10,000 steps (alpha 0.1 stopped printing after 40,000).
NOTEBOOK_ERRORS = {
    0.001: (
        0.49641003190272537,
        0.49516402549338606,
        0.4935960431880486,
        0.4916063585594306,
        0.48910016654420474,
        0.48597785784615843,
    ),
    0.01: (
        0.49641003190272537,
        0.45743107444190134,
        0.35909720256339894,
        0.2393581371589725,
        0.14307065901337035,
        0.09859642980892715,
    ),
    0.1: (
        0.49641003190272537,
        0.0428880170001158,
        0.024098994228521613,
        0.018110652146797846,
        0.01498761627221092,
    ),
}
#: The seeded initial weights as the notebook prints them (8 digits).
NOTEBOOK_SYNAPSE_0 = (
    (-0.16595599, 0.44064899, -0.99977125, -0.39533485),
    (-0.70648822, -0.81532281, -0.62747958, -0.30887855),
    (-0.20646505, 0.07763347, -0.16161097, 0.370439),
)
NOTEBOOK_SYNAPSE_1 = ((-0.5910955,), (0.75623487,), (-0.94522481,), (0.34093502,))

# --- gradient_descent_article ---------------------------------------------------------------

#: The quadratic run: ``(x - 10)**2`` from 30, lr 0.05; "Iteration k has x value ..." lines.
QUADRATIC_PRINTED = {
    0: 28.0,
    20: 12.188379782630246,
    40: 10.266055892945824,
    60: 10.032346185398458,
    80: 10.003932541009512,
    100: 10.000478105179978,
}
#: "The local minimum occurs at 10.000088593855091", after 117 updates.
QUADRATIC_FINAL = 10.000088593855091
QUADRATIC_UPDATES = 117
#: The perturbation run on ``sin(x**2 + y**2)`` from (0, -1), printed with 4 decimals.
PERTURBATION_PRINTED = {
    0: (-0.0005, -0.8908),
    20: (-0.0048, -0.0542),
    40: (-0.0050, -0.0112),
    60: (-0.0050, -0.0065),
    80: (-0.0050, -0.0056),
}
#: It converges in the update after "Iteration 80", before "Iteration 100".
PERTURBATION_UPDATES = 101


def quadratic(x):
    """The article's first function, ``(x - 10)**2``, of a length-1 array."""
    return (x[0] - 10) ** 2


def quadratic_gradient(x):
    """What sympy's ``lambdify(x, diff((x - 10)**2))`` computes: ``2*x - 20``."""
    return np.array([2 * x[0] - 20])


def sin_r2(p):
    """The article's "unknown" function ``sin(x**2 + y**2)`` of a length-2 array."""
    return np.sin(p[0] ** 2 + p[1] ** 2)


def rosen(x):
    """Rosenbrock's function summed in index order (numpy and Numba add in the same order)."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return total


def rosen_numpy(x):
    """``scipy.optimize.rosen``'s formula, numpy-style (``np.sum`` adds pairwise in numpy)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


def rosen_gradient(x):
    """The exact gradient of :func:`rosen_numpy`."""
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def article_quadratic_loop():
    """The article's quadratic descent as printed (prints and plotting lists removed)."""

    def df(x):  # what sympy's lambdify(x, diff((x - 10)**2)) computes
        return 2 * x - 20

    max_iter, lr, X0, cur_iter = 300, 0.05, 30, 0
    while True:
        X1 = X0 - lr * df(X0)
        step_size = abs(X0 - X1)
        X0 = X1
        if cur_iter > max_iter or step_size < 0.00001:
            break
        cur_iter = cur_iter + 1
    return X1


def _article_f(x, y):
    return np.sin(x**2 + y**2)


def _article_find_direction(X0, Y0, dw=0.01):
    X1 = X0 + dw
    Y1 = Y0 + dw
    grad_x = (_article_f(X1, Y0) - _article_f(X0, Y0)) / dw
    grad_y = (_article_f(X0, Y1) - _article_f(X0, Y0)) / dw
    return grad_x, grad_y


def article_perturbation_loop(X0=0, Y0=-1):
    """The article's perturbation descent as printed: forward differences, rate x0.7 / 20."""
    max_iter, lr, cur_iter = 300, 0.1, 0
    steps_x, steps_y = [X0], [Y0]
    while True:
        grad_x, grad_y = _article_find_direction(X0, Y0)
        X1 = X0 - lr * grad_x
        Y1 = Y0 - lr * grad_y
        steps_x.append(X1)
        steps_y.append(Y1)
        step_size_x, step_size_y = abs(X0 - X1), abs(Y0 - Y1)
        X0, Y0 = X1, Y1
        if cur_iter > max_iter:
            break
        if step_size_x < 0.00001 and step_size_y < 0.00001:
            break
        elif cur_iter % 20 == 0:
            lr = lr * 0.7
        cur_iter = cur_iter + 1
    return X0, Y0


# --- Sohl-Dickstein (2024), "The boundary of neural network trainability is fractal" --------

#: The paper's width: hidden units and input dimension of its network.
PAPER_WIDTH = 16


class PaperProblem(NamedTuple):
    """The paper's training set and starting point (see :func:`paper_problem`)."""

    X: np.ndarray
    y: np.ndarray
    initial_weights: tuple[np.ndarray, np.ndarray]


def paper_problem(width: int = PAPER_WIDTH, seed: int = 0) -> PaperProblem:
    """The paper's setting: Gaussian X (n x width) and y (n x 1), normal initial weights.

    As many data points as the network has parameters (``n = width*width + width``, 272 for
    width 16), as in the paper's "dataset_param_multiple = 1". Drawn with
    ``np.random.default_rng(seed)`` (the paper draws with JAX's generator, so the numbers are
    not the paper's, only their distribution). Train it with :data:`fastgd.network.PAPER`'s
    options: tanh hidden layer, linear output, MSE, mean-field.
    """
    rng = np.random.default_rng(seed)
    n = width * width + width
    w0 = rng.standard_normal((width, width))
    w1 = rng.standard_normal((width, 1))
    X = rng.standard_normal((n, width))
    y = rng.standard_normal((n, 1))
    return PaperProblem(X, y, (w0, w1))


class MapWindow(NamedTuple):
    """A trainability map's default window: rate ranges, steps and resolution."""

    alpha_hidden: tuple[float, float]
    alpha_output: tuple[float, float]
    steps: int
    resolution: int


#: ``fastgd map``'s defaults for each network: where its boundary is, at a resolution the
#: 2-core CI machine draws in seconds (notebook) or well under a minute (paper).
MAP_WINDOWS = {
    "notebook": MapWindow((1e-2, 1e3), (1e-2, 1e3), 1000, 256),
    "paper": MapWindow((1e-1, 1e3), (1e0, 1e2), 500, 48),
}


def map_network(name: str) -> dict:
    """The keyword arguments of :func:`fastgd.trainability_map` for the network ``name``.

    ``"notebook"``: the notebook's XOR network (the defaults). ``"paper"``: the paper's
    network and data (:func:`paper_problem`, :data:`fastgd.network.PAPER`).
    """
    if name == "notebook":
        return {}
    if name == "paper":
        from fastgd.network import PAPER

        problem = paper_problem()
        return dict(
            X=problem.X,
            y=problem.y,
            hidden=PAPER_WIDTH,
            initial_weights=problem.initial_weights,
            **PAPER._asdict(),
        )
    raise ValueError(f"network must be one of {tuple(MAP_WINDOWS)}, got {name!r}")
