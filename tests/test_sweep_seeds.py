"""Sweeps over learning rates x seeds: shapes, summaries, identity with single runs."""

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference

ALPHAS = [0.05, 0.5, 5.0]
SEEDS = [1, 7, 42, 2**32 - 1]
SMALL = dict(steps=1200, log_every=200)


@pytest.fixture(scope="module")
def seed_sweep():
    return fastgd.sweep_xor(ALPHAS, seeds=SEEDS, **SMALL)


def test_seed_sweep_has_a_seed_axis(seed_sweep):
    assert seed_sweep.errors.shape == (3, 4, 6)
    assert seed_sweep.synapse_0.shape == (3, 4, 3, 4)
    assert seed_sweep.synapse_1.shape == (3, 4, 4, 1)
    assert seed_sweep.status.shape == (3, 4)
    np.testing.assert_array_equal(seed_sweep.seeds, SEEDS)


def test_every_alpha_seed_pair_equals_its_single_run_bit_for_bit(seed_sweep):
    for a, alpha in enumerate(ALPHAS):
        for s, seed in enumerate(SEEDS):
            single = fastgd.train_xor(alpha, seed=seed, **SMALL)
            np.testing.assert_array_equal(seed_sweep.errors[a, s], single.errors)
            np.testing.assert_array_equal(seed_sweep.synapse_0[a, s], single.synapse_0)


def test_summaries_across_seeds(seed_sweep):
    errors = seed_sweep.errors
    np.testing.assert_array_equal(seed_sweep.errors_mean, errors.mean(axis=1))
    np.testing.assert_array_equal(seed_sweep.errors_std, errors.std(axis=1))
    np.testing.assert_array_equal(seed_sweep.errors_min, errors.min(axis=1))
    np.testing.assert_array_equal(seed_sweep.errors_max, errors.max(axis=1))
    assert seed_sweep.errors_median.shape == (3, 6)


def test_seed_sweep_matches_reference(seed_sweep):
    ref = reference.sweep_xor(ALPHAS, seeds=SEEDS, **SMALL)
    np.testing.assert_allclose(seed_sweep.errors, ref.errors, rtol=0, atol=1e-12)
    np.testing.assert_allclose(seed_sweep.errors_mean, ref.errors_mean, rtol=0, atol=1e-12)


def test_one_seed_in_seeds_keeps_the_seed_axis_while_seed_does_not():
    with_axis = fastgd.sweep_xor(ALPHAS, seeds=[3], **SMALL)
    without = fastgd.sweep_xor(ALPHAS, seed=3, **SMALL)
    assert with_axis.errors.shape == (3, 1, 6) and without.errors.shape == (3, 6)
    np.testing.assert_array_equal(with_axis.errors[:, 0], without.errors)
    assert without.seeds is None and "errors_mean" not in without


def test_large_sweep_is_identical_for_any_worker_count():
    alphas = np.geomspace(1e-2, 1e2, 50)
    one = fastgd.sweep_xor(alphas, seeds=range(1, 9), steps=200, log_every=50, workers=1)
    two = fastgd.sweep_xor(alphas, seeds=range(1, 9), steps=200, log_every=50, workers=2)
    np.testing.assert_array_equal(one.errors, two.errors)
    np.testing.assert_array_equal(one.synapse_1, two.synapse_1)


def test_step_segments_do_not_change_results(monkeypatch):
    from fastgd import runner

    whole = fastgd.sweep_xor(ALPHAS, seeds=SEEDS, **SMALL)
    monkeypatch.setattr(runner, "SEGMENT_WORK", 7)  # 1-2 steps per segment
    split = fastgd.sweep_xor(ALPHAS, seeds=SEEDS, **SMALL)
    np.testing.assert_array_equal(whole.errors, split.errors)
    np.testing.assert_array_equal(whole.synapse_0, split.synapse_0)


def test_progress_callback_counts_every_run():
    counted = []
    fastgd.sweep_xor(ALPHAS, seeds=SEEDS, progress=counted.append, **SMALL)
    assert sum(counted) == len(ALPHAS) * len(SEEDS)


@pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])
@pytest.mark.parametrize(
    "seeds, error, match",
    [
        ([], ValueError, "seeds must not be empty"),
        ([1, 2, 1], ValueError, "seeds must be distinct"),
        ([1, 2.5], TypeError, "seeds must be an integer"),
        ([1, -3], ValueError, "seeds must be in"),
        ("12", TypeError, "seeds"),
        (5, TypeError, "seeds"),
    ],
)
def test_bad_seeds_are_rejected(gd, seeds, error, match):
    with pytest.raises(error, match=match):
        gd.sweep_xor(ALPHAS, seeds=seeds, steps=10)
