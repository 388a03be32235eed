"""Issue 7's reproducers for training (items 3, 6, 13, 14): clear errors, no crash, no hang.

Each test is a one-line call from the issue (or a faster equivalent) that used to crash the
interpreter, exhaust memory, fail with an unnamed error or treat one value two ways.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd.kernels.network import FIXED_SHAPE_LIMIT, kernel_spec, unrolled_size

BOTH = pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])


# --- item 3: large shapes ---------------------------------------------------------------------


def test_large_shapes_use_the_run_time_size_kernel():
    assert unrolled_size(4, 3, 4, 1) <= FIXED_SHAPE_LIMIT < unrolled_size(4, 3, 10**6, 1)
    fixed = kernel_spec(4, 3, 4, 1, 4, (0, 0, 0, 0), False)
    general = kernel_spec(4, 3, 10**6, 1, 4, (0, 0, 0, 0), False)
    assert len(fixed.hidden) == 4 and len(general.hidden) == 0 == len(general.samples)


def test_hidden_a_million_compiles_and_trains():
    # Used to compile for 107 s, reach 7.6 GB and abort the interpreter (std::bad_alloc); now
    # the run-time-size kernel (one compile for any shape, see the test above) trains it.
    res = fastgd.train_xor(1.0, steps=10, log_every=5, hidden=10**6)
    assert res.synapse_0.shape == (3, 10**6) and res.status == 0
    assert np.all(np.isfinite(res.errors))


def test_many_samples_match_the_reference():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(2048, 3)), rng.random(2048)  # used to compile for 37 s
    compiled = fastgd.train_xor(0.01, steps=20, log_every=10, X=X, y=y)
    ref = reference.train_xor(0.01, steps=20, log_every=10, X=X, y=y)
    np.testing.assert_allclose(compiled.errors, ref.errors, rtol=0, atol=1e-12)
    np.testing.assert_allclose(compiled.synapse_0, ref.synapse_0, rtol=0, atol=1e-12)


def test_run_time_size_kernel_gives_the_fixed_kernels_bits(monkeypatch):
    # Both loop orders do the same operations on every element: same bits.
    from fastgd.kernels import network

    small = fastgd.sweep_xor([0.3, 3.0], steps=300, log_every=100, workers=1)
    monkeypatch.setattr(network, "FIXED_SHAPE_LIMIT", 0)
    general = fastgd.sweep_xor([0.3, 3.0], steps=300, log_every=100, workers=1)
    for field in ("errors", "synapse_0", "synapse_1"):
        np.testing.assert_array_equal(general[field], small[field])


@BOTH
def test_a_network_too_large_for_memory_is_refused_naming_the_size(gd):
    with pytest.raises(ValueError, match=r"hidden=1000000000000 .* needs [\d.]+ TiB"):
        gd.train_xor(1.0, steps=10, hidden=10**12)


@BOTH
def test_hidden_beyond_int64_is_refused(gd):
    with pytest.raises(ValueError, match="hidden must be <="):
        gd.train_xor(1.0, steps=10, hidden=10**30)


# --- item 6: huge steps -----------------------------------------------------------------------


def test_segments_are_generated_lazily():
    from fastgd.network import NOTEBOOK
    from fastgd.runner import TrainingJob, segment_bounds

    job = TrainingJob(
        np.ones((4, 3)), np.ones((4, 1)), np.ones(1), np.ones(1), np.ones((1, 3, 4)),
        np.ones((1, 4, 1)), np.zeros(1, dtype=np.int64), NOTEBOOK, steps=10**15, log_every=10**15,
    )  # fmt: skip
    segments = segment_bounds(job, 1)
    first, stop = next(segments)
    assert first == 0 and 0 < stop < 10**9


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_huge_steps_train_in_bounded_memory_and_stop_on_ctrl_c():
    # train_xor(1.0, steps=10**15, log_every=10**15) built every segment up front (5.7 GB).
    script = textwrap.dedent(
        """
        import fastgd, sys
        fastgd.train_xor(1.0, steps=10)
        print("ready", flush=True)
        try:
            fastgd.train_xor(1.0, steps=10**15, log_every=10**15)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(2.0)
    with open(f"/proc/{proc.pid}/status") as status:
        rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert rss_kib < 600 * 1024, f"{rss_kib / 1024:.0f} MiB after 2 s"
    assert "interrupted" in out, err


# --- item 13: values that passed validation and failed later ----------------------------------


@BOTH
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda gd: gd.train_xor(10**400, steps=10), ValueError, "alpha must be finite"),
        (lambda gd: gd.sweep_xor([1.0, 10**400], steps=10), ValueError, "alphas must be finite"),
        (lambda gd: gd.train_xor(1.0, steps=10**30), ValueError, "steps must be <="),
        (lambda gd: gd.train_xor(1.0, steps=2**63), ValueError, "steps must be <="),
        (lambda gd: gd.train_xor(1.0, steps=10, log_every=2**63), ValueError, "log_every must be"),
        (lambda gd: gd.train_xor(1.0, alpha_output=10**400, steps=10), ValueError, "alpha_output"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_argument(gd, call, error, match):
    with pytest.raises(error, match=match):
        call(gd)


@BOTH
def test_records_too_large_for_memory_are_refused_before_training(gd, monkeypatch):
    import fastgd.reference.network
    import fastgd.runner

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    for module, name in ((fastgd.runner, "start_chunk"), (fastgd.reference.xor, "train")):
        monkeypatch.setattr(module, name, no_training)
    with pytest.raises(ValueError, match=r"steps=1000000000000 and log_every=1 .* needs"):
        gd.sweep_xor([1.0, 2.0], steps=10**12, log_every=1)


def test_steps_up_to_int64_max_are_accepted():
    # The largest count the kernels can step to: accepted, and stoppable (one segment here).
    from fastgd._validation import MAX_INT
    from fastgd.runner import TrainingJob, segment_bounds

    fastgd._training_setup.check_run_args(MAX_INT, MAX_INT, 4)
    job = TrainingJob(*([np.ones((1, 1))] * 2), np.ones(1), np.ones(1), np.ones((1, 1, 1)),
                      np.ones((1, 1, 1)), np.zeros(1, dtype=np.int64), fastgd.network.NOTEBOOK,
                      steps=MAX_INT, log_every=MAX_INT)  # fmt: skip
    assert next(segment_bounds(job, 1))[0] == 0


# --- item 14: the same value treated two ways ------------------------------------------------


@BOTH
def test_booleans_are_not_learning_rates_anywhere(gd):
    with pytest.raises(TypeError, match="alpha"):
        gd.train_xor(True, steps=10)
    with pytest.raises(TypeError, match="alphas must be real numbers, not booleans"):
        gd.sweep_xor([True, True], steps=10)
    with pytest.raises(TypeError, match="alphas must be real numbers, not booleans"):
        gd.sweep_xor(np.array([True, False]), steps=10)
    with pytest.raises(TypeError, match="alphas must be real numbers, not booleans"):
        gd.sweep_xor([0.5, True], steps=10)


@BOTH
def test_zero_dimensional_arrays_are_accepted_by_both(gd):
    one = gd.train_xor(np.array(0.5), steps=20, log_every=10)
    plain = gd.train_xor(0.5, steps=20, log_every=10)
    np.testing.assert_array_equal(one.errors, plain.errors)
    swept = gd.sweep_xor(np.array(0.5), steps=20, log_every=10)
    np.testing.assert_array_equal(swept.errors[0], plain.errors)
    with pytest.raises(TypeError, match="alpha"):
        gd.train_xor(np.array(True), steps=10)


def test_reference_sweep_refuses_unknown_keywords():
    with pytest.raises(TypeError, match="unexpected keyword argument 'step'"):
        reference.sweep_xor([1.0], step=10)
    # ... while taking the compiled sweep's execution options, as a drop-in replacement
    res = reference.sweep_xor([1.0], steps=10, workers=2, client=None, progress=False)
    assert res.success


def test_reference_map_refuses_unknown_keywords():
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        reference.trainability_map((0.1, 1.0, 2), (0.1, 1.0, 2), steps=5, lanes=4)


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="compiled path")
def test_diverged_runs_stop_and_keep_the_weights_they_diverged_with():
    from fastgd.problems import XOR_Y

    huge = dict(steps=200, log_every=50, y=XOR_Y * 1e300)
    sweep = fastgd.sweep_xor([1e-300, 1e10, 2e10, 1e-3, 3e10], **huge)
    np.testing.assert_array_equal(sweep.status, [0, 2, 2, 0, 2])
    for row, alpha in enumerate(sweep.alphas):
        single = fastgd.train_xor(alpha, **huge)
        np.testing.assert_array_equal(sweep.errors[row], single.errors)
        np.testing.assert_array_equal(sweep.synapse_0[row], single.synapse_0)
        assert sweep.diverged_at[row] == single.diverged_at
        with np.errstate(all="ignore"):
            ref = reference.train_xor(alpha, **huge)
        assert ref.diverged_at == single.diverged_at
        np.testing.assert_array_equal(np.isnan(ref.errors), np.isnan(single.errors))
    diverged_at = sweep.diverged_at[1]
    assert np.all(np.isnan(sweep.errors[1][sweep.checkpoints > diverged_at]))


def test_without_jit_the_kernels_run_as_python_with_the_same_bits():
    # NUMBA_DISABLE_JIT=1 (coverage, debugging): the intrinsics have Python twins.
    script = textwrap.dedent(
        """
        import json, fastgd
        one = fastgd.train_xor(3.0, steps=30, log_every=10)
        many = fastgd.sweep_xor([0.5, 5.0, 50.0], steps=20, log_every=5, workers=1,
                                hidden_activation="tanh", loss="mse")
        print(json.dumps([one.errors.tolist(), one.synapse_0.tolist(), many.errors.tolist()]))
        """
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    errors, synapse_0, sweep_errors = json.loads(proc.stdout.splitlines()[-1])
    one = fastgd.train_xor(3.0, steps=30, log_every=10)
    many = fastgd.sweep_xor(
        [0.5, 5.0, 50.0], steps=20, log_every=5, workers=1, hidden_activation="tanh", loss="mse"
    )
    np.testing.assert_array_equal(errors, one.errors)
    np.testing.assert_array_equal(synapse_0, one.synapse_0)
    np.testing.assert_array_equal(sweep_errors, many.errors)
