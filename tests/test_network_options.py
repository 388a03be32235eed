"""Network options (activations, loss, parameterisation, per-layer rates, initial weights).

Compiled against reference for every option; the losses' gradients against finite differences;
the mean-field scaling against the formula the paper's code spells; defaults bit for bit.
"""

import math

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd.network import ACTIVATION_NAMES, PAPER, layer_scales

SHORT = dict(steps=1500, log_every=300)


def _assert_close(compiled, ref, weights=True):
    np.testing.assert_allclose(compiled.errors, ref.errors, rtol=0, atol=1e-10)
    np.testing.assert_allclose(compiled.curve_errors, ref.curve_errors, rtol=0, atol=1e-10)
    if weights:
        np.testing.assert_allclose(compiled.synapse_0, ref.synapse_0, rtol=0, atol=1e-12)
        np.testing.assert_allclose(compiled.synapse_1, ref.synapse_1, rtol=0, atol=1e-12)
    assert compiled.status == ref.status and compiled.diverged_at == ref.diverged_at


@pytest.mark.parametrize("layer", ["hidden_activation", "output_activation"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_every_activation_matches_the_reference(layer, activation):
    kwargs = {layer: activation, "alpha_output": 0.2, **SHORT}
    _assert_close(fastgd.train_xor(0.5, **kwargs), reference.train_xor(0.5, **kwargs))


@pytest.mark.parametrize(
    "options",
    [
        dict(loss="mse"),
        dict(parameterization="mean-field"),
        dict(hidden_activation="tanh", parameterization="mean-field"),
        PAPER._asdict(),
    ],
    ids=["mse", "mean-field", "tanh-mean-field", "paper"],
)
def test_loss_and_parameterization_match_the_reference(options):
    kwargs = dict(options, alpha_output=0.3, **SHORT)
    _assert_close(fastgd.train_xor(0.8, **kwargs), reference.train_xor(0.8, **kwargs))


def test_alpha_output_none_is_the_same_rate_bit_for_bit():
    same = fastgd.train_xor(2.0, alpha_output=2.0, **SHORT)
    default = fastgd.train_xor(2.0, **SHORT)
    for field in ("errors", "curve_errors", "synapse_0", "synapse_1"):
        np.testing.assert_array_equal(same[field], default[field])
    assert default.alpha_output == 2.0


def test_alphas_output_pairs_with_alphas_in_a_sweep():
    alphas, outputs = [0.1, 1.0, 10.0], [5.0, 0.5, 0.05]
    sweep = fastgd.sweep_xor(alphas, alphas_output=outputs, **SHORT)
    np.testing.assert_array_equal(sweep.alphas_output, outputs)
    for row, (a, o) in enumerate(zip(alphas, outputs, strict=True)):
        single = fastgd.train_xor(a, alpha_output=o, **SHORT)
        np.testing.assert_array_equal(sweep.errors[row], single.errors)
        np.testing.assert_array_equal(sweep.synapse_1[row], single.synapse_1)
    ref = reference.sweep_xor(alphas, alphas_output=outputs, **SHORT)
    np.testing.assert_allclose(sweep.errors, ref.errors, rtol=0, atol=1e-10)


def test_output_rate_only_moves_the_output_weights():
    # A hidden rate far below rounding leaves the hidden weights exactly where they started.
    from fastgd._training_setup import seeded_weights

    w0, w1 = seeded_weights(1, 3, 4, 1)
    run = fastgd.train_xor(1e-300, alpha_output=1.0, steps=200, log_every=100)
    np.testing.assert_array_equal(run.synapse_0, w0)
    assert np.abs(run.synapse_1 - w1).max() > 1e-3


def test_options_sweep_rows_equal_single_runs_bit_for_bit():
    # A block of lanes computes each lane as a single run does, whatever the options.
    alphas = [0.05, 0.3, 1.0, 3.0, 9.0]
    sweep = fastgd.sweep_xor(alphas, workers=1, **PAPER._asdict(), **SHORT)
    for row, alpha in enumerate(alphas):
        single = fastgd.train_xor(alpha, **PAPER._asdict(), **SHORT)
        np.testing.assert_array_equal(sweep.errors[row], single.errors)
        np.testing.assert_array_equal(sweep.synapse_0[row], single.synapse_0)


def test_mean_field_scales_are_the_papers():
    # The paper's net(): Z = X @ W / sqrt(n_in); hidden = tanh(sqrt(2) Z); out = h @ W1 / sqrt(h)
    assert layer_scales(PAPER, 16, 16) == (math.sqrt(2) / 4, 1 / 4)
    sigmoid_mf = fastgd.network.network_options(parameterization="mean-field")
    assert layer_scales(sigmoid_mf, 9, 25) == (1 / 3, 1 / 5)
    assert layer_scales(fastgd.network.NOTEBOOK, 9, 25) == (1.0, 1.0)


def test_mean_field_forward_pass_is_the_formula():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 5)), rng.normal(size=(6, 2))
    w0, w1 = rng.normal(size=(5, 7)), rng.normal(size=(7, 2))
    out = np.tanh(math.sqrt(2) * X @ w0 / math.sqrt(5)) @ w1 / math.sqrt(7)
    expected = np.mean(np.abs(out - y))
    for gd in (fastgd, reference):
        run = gd.train_xor(
            0.1, steps=1, log_every=1, X=X, y=y, hidden=7, initial_weights=(w0, w1),
            **PAPER._asdict(),
        )  # fmt: skip
        assert run.errors[0] == pytest.approx(expected, rel=1e-14)


def _loss(options, X, y, w0, w1):
    h_scale, o_scale = layer_scales(options, X.shape[1], w0.shape[1])
    f = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "linear": lambda z: z}
    hidden = f[options.hidden_activation](h_scale * (X @ w0))
    out = f[options.output_activation](o_scale * (hidden @ w1))
    if options.loss == "mse":
        return np.mean((out - y) ** 2)
    return 0.5 * np.sum((out - y) ** 2)  # the notebook's update is this loss's gradient


@pytest.mark.parametrize("options", [fastgd.network.NOTEBOOK, PAPER], ids=["notebook", "paper"])
def test_one_step_is_minus_alpha_times_the_losss_gradient(options):
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    w0, w1 = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    alpha = 1e-3
    run = fastgd.train_xor(
        alpha, steps=1, log_every=1, X=X, y=y, initial_weights=(w0, w1), **options._asdict()
    )
    for start, moved, index in ((w0, run.synapse_0, 0), (w1, run.synapse_1, 1)):
        gradient = np.zeros_like(start)
        for k in np.ndindex(start.shape):
            plus, minus = [w0.copy(), w1.copy()], [w0.copy(), w1.copy()]
            plus[index][k] += 1e-6
            minus[index][k] -= 1e-6
            gradient[k] = (_loss(options, X, y, *plus) - _loss(options, X, y, *minus)) / 2e-6
        np.testing.assert_allclose((start - moved) / alpha, gradient, rtol=1e-6, atol=1e-8)


def test_initial_weights_given_equal_the_seeded_ones_bit_for_bit():
    from fastgd._training_setup import seeded_weights

    seeded = fastgd.train_xor(3.0, seed=5, **SHORT)
    given = fastgd.train_xor(3.0, initial_weights=seeded_weights(5, 3, 4, 1), **SHORT)
    np.testing.assert_array_equal(given.errors, seeded.errors)
    np.testing.assert_array_equal(given.synapse_0, seeded.synapse_0)


def test_initial_weights_with_a_run_axis_give_each_run_its_start():
    from fastgd._training_setup import seeded_weights

    starts = [seeded_weights(s, 3, 4, 1) for s in (2, 3)]
    w0 = np.stack([w for w, _ in starts])
    w1 = np.stack([w for _, w in starts])
    sweep = fastgd.sweep_xor([1.0, 2.0], initial_weights=(w0, w1), **SHORT)
    for row, seed in enumerate((2, 3)):
        single = fastgd.train_xor([1.0, 2.0][row], seed=seed, **SHORT)
        np.testing.assert_array_equal(sweep.errors[row], single.errors)
    ref = reference.sweep_xor([1.0, 2.0], initial_weights=(w0, w1), **SHORT)
    np.testing.assert_allclose(sweep.errors, ref.errors, rtol=0, atol=1e-10)


BOTH = pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])


@BOTH
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(hidden_activation="relu6"), ValueError, "hidden_activation must be one of"),
        (dict(output_activation=3), TypeError, "output_activation"),
        (dict(loss="l1"), ValueError, "loss must be one of"),
        (dict(parameterization="ntk"), ValueError, "parameterization must be one of"),
        (dict(initial_weights=np.zeros((3, 4))), TypeError, "initial_weights must be a pair"),
        (dict(initial_weights=(np.zeros((3, 5)), np.zeros((4, 1)))), ValueError, r"w0\) must"),
        (dict(initial_weights=(np.zeros((3, 4)), np.zeros((4, 2)))), ValueError, r"w1\) must"),
        (dict(initial_weights=(np.zeros((3, 4)), [["a"]] * 4)), TypeError, r"w1\) must be"),
        (
            dict(initial_weights=(np.full((3, 4), np.nan), np.zeros((4, 1)))),
            ValueError,
            "finite",
        ),
        (dict(alpha_output=-1.0), ValueError, "alpha_output"),
        (dict(alpha_output=[1.0, 2.0]), TypeError, "alpha_output"),
    ],
)
def test_bad_options_are_rejected_naming_the_argument(gd, kwargs, error, match):
    with pytest.raises(error, match=match):
        gd.train_xor(1.0, steps=10, **kwargs)


@BOTH
def test_sweep_option_errors(gd):
    with pytest.raises(ValueError, match="alphas_output must have one rate per alpha"):
        gd.sweep_xor([1.0, 2.0], alphas_output=[1.0], steps=10)
    with pytest.raises(ValueError, match="seeds or initial_weights, not both"):
        gd.sweep_xor(
            [1.0], seeds=[1, 2], initial_weights=(np.zeros((3, 4)), np.zeros((4, 1))), steps=10
        )
    with pytest.raises(ValueError, match=r"\(3, 3, 4\)"):
        gd.sweep_xor(
            [1.0, 2.0], initial_weights=(np.zeros((3, 3, 4)), np.zeros((3, 4, 1))), steps=10
        )
