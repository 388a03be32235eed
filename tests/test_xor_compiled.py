"""The compiled path gives the reference's numbers, and the same numbers however it is run."""

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd.problems import NOTEBOOK_ALPHAS

STABLE = [a for a in NOTEBOOK_ALPHAS if a <= 10]
CHAOTIC = [a for a in NOTEBOOK_ALPHAS if a >= 100]


def test_compiled_errors_match_reference_for_every_alpha(compiled_sweep, reference_sweep):
    # Every checkpoint error to 1e-10 absolute, alpha 0.001 ... 1000.
    np.testing.assert_allclose(compiled_sweep.errors, reference_sweep.errors, rtol=0, atol=1e-10)


def test_compiled_final_weights_match_reference_for_stable_alphas(compiled_sweep, reference_sweep):
    rows = [NOTEBOOK_ALPHAS.index(a) for a in STABLE]
    for name in ("synapse_0", "synapse_1"):
        np.testing.assert_allclose(
            compiled_sweep[name][rows], reference_sweep[name][rows], rtol=0, atol=1e-12
        )


def test_chaotic_alphas_saturate_and_stay_finite(compiled_sweep):
    # For alpha >= 100 a 1-ulp change in the inputs moves the final weights by O(10), so only
    # what is stable is checked: the error curve sits high and flat, the weights are finite.
    for alpha in CHAOTIC:
        row = NOTEBOOK_ALPHAS.index(alpha)
        errors = compiled_sweep.errors[row]
        assert np.all(np.isfinite(errors))
        assert np.all(np.abs(np.diff(errors[1:])) < 1e-3)
        assert errors[-1] > 0.1
        assert np.all(np.isfinite(compiled_sweep.synapse_0[row]))
    assert compiled_sweep.errors[NOTEBOOK_ALPHAS.index(1000.0), -1] == pytest.approx(0.5, abs=1e-3)


def test_train_xor_matches_reference_result_fields():
    compiled, ref = (
        fastgd.train_xor(10.0, steps=3000, log_every=500),
        reference.train_xor(10.0, steps=3000, log_every=500),
    )
    assert set(compiled) == set(ref)
    np.testing.assert_array_equal(compiled.checkpoints, ref.checkpoints)
    np.testing.assert_allclose(compiled.errors, ref.errors, rtol=0, atol=1e-12)
    np.testing.assert_allclose(compiled.synapse_0, ref.synapse_0, rtol=0, atol=1e-12)
    assert compiled.alpha == 10.0 and compiled.success and compiled.status == 0


def test_sweep_rows_equal_single_runs_bit_for_bit(compiled_sweep):
    for row, alpha in enumerate(NOTEBOOK_ALPHAS):
        single = fastgd.train_xor(alpha)
        np.testing.assert_array_equal(compiled_sweep.errors[row], single.errors)
        np.testing.assert_array_equal(compiled_sweep.synapse_0[row], single.synapse_0)
        np.testing.assert_array_equal(compiled_sweep.synapse_1[row], single.synapse_1)


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_parallel_sweep_equals_serial_for_any_thread_count(workers):
    alphas = np.geomspace(1e-3, 1e3, 37)  # several blocks of every lane width
    serial = fastgd.sweep_xor(alphas, steps=2000, log_every=250, workers=1)
    parallel = fastgd.sweep_xor(alphas, steps=2000, log_every=250, workers=workers)
    for name in ("errors", "synapse_0", "synapse_1"):
        np.testing.assert_array_equal(parallel[name], serial[name])


def test_results_do_not_depend_on_block_width():
    from fastgd._training_setup import seeded_weights
    from fastgd.network import NOTEBOOK
    from fastgd.problems import XOR_X, XOR_Y
    from fastgd.runner import LANE_CHOICES, TrainingJob, train_chunk

    alphas = np.geomspace(1e-2, 1e2, 9)
    w0, w1 = seeded_weights(1, 3, 4, 1)
    job = TrainingJob(
        XOR_X,
        XOR_Y,
        alphas,
        alphas[::-1].copy(),
        w0[None],
        w1[None],
        np.zeros(9, dtype=np.int64),
        NOTEBOOK,
        steps=500,
        log_every=100,
        curve_every=10,
        measure_steps=500,
    )
    outputs = [train_chunk(job, lanes) for lanes in (*LANE_CHOICES, 8)]
    for other in outputs[1:]:
        for got, expected in zip(other, outputs[0], strict=True):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("hidden", [1, 2, 7])
def test_other_hidden_sizes_match_reference(hidden):
    kwargs = dict(steps=2000, log_every=400, hidden=hidden)
    compiled, ref = fastgd.train_xor(1.0, **kwargs), reference.train_xor(1.0, **kwargs)
    assert compiled.synapse_0.shape == (3, hidden) and compiled.synapse_1.shape == (hidden, 1)
    np.testing.assert_allclose(compiled.errors, ref.errors, rtol=0, atol=1e-12)
    np.testing.assert_allclose(compiled.synapse_0, ref.synapse_0, rtol=0, atol=1e-12)


def test_other_data_sets_match_reference():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 5))
    y = rng.random((10, 2))
    kwargs = dict(steps=1500, log_every=300, X=X, y=y, hidden=3)
    compiled = fastgd.sweep_xor([0.05, 0.5], **kwargs)
    ref = reference.sweep_xor([0.05, 0.5], **kwargs)
    assert compiled.synapse_1.shape == (2, 3, 2)
    np.testing.assert_allclose(compiled.errors, ref.errors, rtol=0, atol=1e-12)
    np.testing.assert_allclose(compiled.synapse_0, ref.synapse_0, rtol=0, atol=1e-12)


def test_one_dimensional_targets_are_taken_as_a_column():
    res = fastgd.train_xor(1.0, steps=10, y=[0, 1, 1, 0])
    assert res.synapse_1.shape == (4, 1)


def test_steps_not_multiple_of_log_every_record_partial_checkpoint():
    res = fastgd.train_xor(1.0, steps=25, log_every=10)
    np.testing.assert_array_equal(res.checkpoints, [0, 10, 20])
    np.testing.assert_allclose(
        res.errors, reference.train_xor(1.0, steps=25, log_every=10).errors, rtol=0, atol=1e-15
    )


def test_divergence_is_reported_not_hidden():
    # Targets of 1e300 make the output gradient ~1e300; times alpha 1e10 it overflows to inf,
    # and inf * 0 turns the next step's backprop into NaN. The diverged run says so; the
    # other run in the same block is unaffected.
    from fastgd.problems import XOR_Y

    huge = dict(steps=200, log_every=50, y=XOR_Y * 1e300)
    res = fastgd.sweep_xor([1e-300, 1e10], **huge)
    assert not res.success
    np.testing.assert_array_equal(res.status, [0, 2])
    assert "1 of 2 runs diverged" in res.message
    single = fastgd.train_xor(1e10, **huge)
    assert single.status == 2 and not single.success and "diverged" in single.message
    with np.errstate(all="ignore"):
        ref = reference.train_xor(1e10, **huge)
    assert ref.status == 2 and ref.message == single.message


def test_result_is_a_dict_with_attribute_access():
    res = fastgd.train_xor(1.0, steps=10)
    assert res["errors"] is res.errors
    assert "errors" in repr(res)
    with pytest.raises(AttributeError):
        res.no_such_field  # noqa: B018
