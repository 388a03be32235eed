"""Issue 7's reproducers for the descent engine: each is a clear error, a right status, or the
right answer -- never code execution, a hang, a traceback or a silent wrong answer."""

import subprocess
import sys

import numpy as np
import pytest

import fastgd
import fastgd.reference as reference
from fastgd import StepDecay
from fastgd.cli import main

PATHS = pytest.mark.parametrize("gd", [fastgd, reference], ids=["compiled", "reference"])


def bowl(p):
    return (p[0] - 1) ** 2 + (p[1] + 2) ** 2


# --- 1. no code execution from expressions; bounded constants --------------------------------
@pytest.mark.parametrize(
    "expr, piece",
    [
        ("__import__('os').system('touch {marker}')", "not an allowed function"),
        ("x.__class__", "not allowed"),
        ("x[0] + 1", "not allowed"),
        ("(lambda: 1)() + x", "not an allowed function"),
        ("'text' + x", "only numbers"),
        ("sin(x, y)", "exactly one argument"),
        ("sin(x=1) + x", "exactly one argument"),
        ("open('/etc/passwd')", "not an allowed function"),
        ("x if x else 1", "not allowed"),
        ("_hidden + x", "may not start with '_'"),
    ],
)
def test_expressions_outside_the_grammar_are_refused(expr, piece, tmp_path, capsys):
    marker = tmp_path / "PWNED"
    text = expr.format(marker=marker)
    assert main(["descend", text, "--x0", "1"]) == 2
    assert piece in capsys.readouterr().out
    with pytest.raises(ValueError, match="EXPR"):
        fastgd.minimize(text, [1.0])
    assert not marker.exists()


@pytest.mark.parametrize(
    "expr, message",
    [
        ("x**2 + 9**9**9", "exponents are limited"),
        ("10**10**10*x", "exponents are limited"),
        ("x**(10**400)", "overflows float64"),
        ("x**100000", "exponents are limited"),
        ("1e308*10 + x", "overflows float64"),
        ("x / (1 - 1)", "division by zero"),
        ("x + " * 2000 + "x", "too long"),
        ("+".join(["x"] * 990), "too large"),
        ("(" * 300 + "x" + ")" * 300, "EXPR"),
    ],
)
def test_explosive_expressions_are_refused_at_once(expr, message, capsys):
    assert main(["descend", expr, "--x0", "1"]) == 2
    assert message in capsys.readouterr().out


def test_string_objective_uses_the_same_parser_and_numbers_as_sympy():
    sympy = pytest.importorskip("sympy")
    x, y = sympy.symbols("x y")
    from_text = fastgd.minimize("sin(x**2 + y**2)", [0.0, -1.0], jac="forward", max_iter=50)
    from_sympy = fastgd.minimize(sympy.sin(x**2 + y**2), [0.0, -1.0], jac="forward", max_iter=50)
    np.testing.assert_array_equal(from_text.path, from_sympy.path)
    ref = reference.minimize("sin(x**2 + y**2)", [0.0, -1.0], jac="forward", max_iter=50)
    np.testing.assert_array_equal(from_text.path, ref.path)


# --- 4. Ctrl-C stops a long minimize ----------------------------------------------------------
LONG_DESCENT = """
import signal, sys, threading, os
import fastgd
def slow_bowl(p):
    return 1e-12 * (p[0] ** 2 + p[1] ** 2)
fastgd.minimize(slow_bowl, [1.0, 1.0], max_iter=3, record_path=False)  # compile first
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    fastgd.minimize(slow_bowl, [1.0, 1.0], lr=1e-3, tol=1e-300, max_iter=10**15,
                    record_path=False)
except KeyboardInterrupt:
    print("interrupted")
    sys.exit(130)
print("finished")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_a_long_minimize():
    # 10**15 updates would take days; SIGINT a second in must stop it (the timeout only
    # guards against a hang, it is not a timing assertion).
    proc = subprocess.run(
        [sys.executable, "-c", LONG_DESCENT], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 130, proc.stderr
    assert "interrupted" in proc.stdout


# --- 7. a step below f's rounding is not convergence ------------------------------------------
@PATHS
def test_a_step_too_small_to_change_f_is_status_3(gd):
    res = gd.minimize(lambda p: (p[0] - 1) ** 2 + (p[1] + 2) ** 2, [0, 0], epsilon=1e-300)
    assert res.status == 3 and not res.success and res.nit == 0
    assert "did not change" in res.message


@PATHS
def test_central_differences_at_a_symmetric_minimum_still_converge(gd):
    res = gd.minimize(lambda p: p[0] ** 2 + p[1] ** 2, [0.0, 0.0], jac="central")
    assert res.status == 0 and res.success and res.nit == 1


def test_constant_objective_is_a_lost_step_on_both_paths():
    for gd in (fastgd, reference):
        res = gd.minimize(lambda p: 5.0, [1.0, 2.0], jac="central")
        assert res.status == 3


# --- 8. an objective writing into its argument -------------------------------------------------
def writes_its_argument(p):
    value = (p[0] - 1) ** 2 + (p[1] + 2) ** 2
    p[0] = 0.0
    p[1] = 123.0
    return value


def gradient_writing_its_argument(p):
    g = np.array([2 * (p[0] - 1), 2 * (p[1] + 2)])
    p[:] = -7.0
    return g


def gradient_returning_its_argument(p):
    p[0], p[1] = 2 * (p[0] - 1), 2 * (p[1] + 2)
    return p


@PATHS
@pytest.mark.parametrize("jac", ["forward", "central"])
def test_objective_writing_its_argument_changes_nothing(gd, jac):
    res = gd.minimize(writes_its_argument, [0.0, 0.0], jac=jac, max_iter=200)
    clean = gd.minimize(bowl, [0.0, 0.0], jac=jac, max_iter=200)
    np.testing.assert_array_equal(res.path, clean.path)
    assert res.status == clean.status == 0 and res.nfev == clean.nfev
    np.testing.assert_allclose(res.x, [1, -2], atol=0.01)


@PATHS
@pytest.mark.parametrize("jac", [gradient_writing_its_argument, gradient_returning_its_argument])
def test_gradient_writing_its_argument_changes_nothing(gd, jac):
    res = gd.minimize(bowl, [0.0, 0.0], jac=jac, max_iter=200)
    np.testing.assert_allclose(res.x, [1, -2], atol=1e-3)
    assert res.status == 0


def test_approx_fprime_of_a_writing_function_is_its_true_gradient():
    # scipy's own approx_fprime lets such an f corrupt its base point; fastgd gives every
    # evaluation a fresh copy, so the answer is that of the same function without the writes.
    x = np.array([0.3, -0.4])
    for gd in (fastgd, reference):
        np.testing.assert_array_equal(
            gd.approx_fprime(x, writes_its_argument), gd.approx_fprime(x, bowl)
        )
    assert x.tolist() == [0.3, -0.4]


# --- 9. changed globals ---------------------------------------------------------------------
SCALE = 1.0
CENTRE = np.array([1.0, -2.0])


def scaled(p):
    return (p[0] - SCALE) ** 2 + (p[1] + 2 * SCALE) ** 2


def centred(p):
    return (p[0] - CENTRE[0]) ** 2 + (p[1] - CENTRE[1]) ** 2


@PATHS
def test_a_changed_global_number_gives_the_new_optimum(gd):
    global SCALE
    try:
        SCALE = 1.0
        first = gd.minimize(scaled, [0.0, 0.0], jac="central", max_iter=500)
        SCALE = 3.0
        second = gd.minimize(scaled, [0.0, 0.0], jac="central", max_iter=500)
    finally:
        SCALE = 1.0
    np.testing.assert_allclose(first.x, [1, -2], atol=1e-3)
    np.testing.assert_allclose(second.x, [3, -6], atol=1e-3)


def test_a_global_array_changed_in_place_gives_the_new_optimum():
    first = fastgd.minimize(centred, [0.0, 0.0], jac="central", max_iter=500)
    CENTRE[:] = [4.0, 5.0]
    try:
        second = fastgd.minimize(centred, [0.0, 0.0], jac="central", max_iter=500)
    finally:
        CENTRE[:] = [1.0, -2.0]
    np.testing.assert_allclose(first.x, [1, -2], atol=1e-3)
    np.testing.assert_allclose(second.x, [4, 5], atol=1e-3)


def test_a_changed_closure_variable_gives_the_new_optimum():
    centre = 1.0

    def f(p):
        return (p[0] - centre) ** 2

    first = fastgd.minimize(f, [0.0], jac="central", max_iter=500)
    centre = 5.0
    second = fastgd.minimize(f, [0.0], jac="central", max_iter=500)
    assert first.x[0] == pytest.approx(1, abs=1e-3) and second.x[0] == pytest.approx(5, abs=1e-3)


# --- 10. divergence is status 2, checked first --------------------------------------------------
@PATHS
def test_a_growing_rate_that_runs_away_is_divergence(gd):
    res = gd.minimize(bowl, [0.0, 0.0], lr=StepDecay(0.1, 10.0, 1), max_iter=1000)
    assert res.status == 2 and not res.success and "Diverged" in res.message


@PATHS
def test_an_infinite_value_is_divergence_not_a_lost_step(gd):
    with np.errstate(over="ignore"):
        res = gd.minimize(lambda p: 1e300 * p[0] ** 2, [1.0], jac="forward")
    assert res.status == 2 and np.isfinite(res.x).all()


@PATHS
def test_a_step_lost_where_f_went_down_is_still_a_lost_step(gd):
    # f decreases for ever towards -inf along x: the iterate grows until x + eps == x, and the
    # function went down, not up: the step is lost, not diverged.
    res = gd.minimize(lambda p: -(10 * p[0]), [0.0], lr=StepDecay(1.0, 10.0, 1), max_iter=1000)
    assert res.status == 3


# --- 11. clear errors from the objective ------------------------------------------------------
def two_args(p, a, b):
    return a * p[0] ** 2 + b * p[1] ** 2


def test_args_of_a_new_type_give_a_clear_error_not_a_numba_dump():
    fastgd.minimize(two_args, [1.0, 1.0], args=(1.0, 2.0), max_iter=5)
    with pytest.raises(TypeError, match="can't multiply|unsupported operand"):
        fastgd.minimize(two_args, [1.0, 1.0], args=(1.0, "two"), max_iter=5)


def test_args_of_a_type_numba_cannot_pass_fall_back_with_a_warning():
    class Weights:
        a, b = 1.0, 2.0

    def weighted(p, w):
        return w.a * p[0] ** 2 + w.b * p[1] ** 2

    with pytest.warns(fastgd.ObjectiveCompileWarning):
        res = fastgd.minimize(weighted, [1.0, 1.0], args=(Weights(),), max_iter=300)
    assert res.success


@pytest.mark.parametrize("jac", [None, "forward"])
def test_sympy_abs_and_sign_compile(jac):
    sympy = pytest.importorskip("sympy")
    x, y = sympy.symbols("x y")
    res = fastgd.minimize(sympy.Abs(x - 1) + (y + 2) ** 2 + sympy.sign(x) * 0, [3.0, 0.0], jac=jac)
    assert abs(res.x[0] - 1) < 0.2 and abs(res.x[1] + 2) < 0.01


def test_sympy_functions_that_cannot_be_compiled_are_named():
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    with pytest.raises(ValueError, match="F"):
        fastgd.minimize(sympy.Function("F")(x), [1.0], jac="forward")
    with pytest.raises(ValueError, match="zeta"):
        fastgd.minimize(sympy.zeta(x), [2.0], jac="forward")
    with pytest.raises(ValueError, match="polygamma.*jac='forward'"):
        fastgd.minimize(sympy.gamma(x), [2.0])
    res = fastgd.minimize(sympy.gamma(x), [2.0], jac="forward", lr=0.1)
    assert res.x[0] == pytest.approx(1.4616, abs=1e-2)  # gamma's minimum on x > 0


# --- 12. the CLI answers bad or huge input with exit 2 and a message -----------------------------
@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["--max-iter", "10000000000"], 0, "Local min reached"),
        (["--momentum", "0.5", "--window", "1000000000000"], 0, "Local min reached"),
        (["--every", "1" + "0" * 30], 2, "every must be <="),
        (["--print-every", "0"], 2, "--print-every must be >= 1"),
        (["--print-every", "-3"], 2, "--print-every must be >= 1"),
        (["--plot", "/no/such/dir/p.png"], 2, "--plot"),
        (["--gif", "."], 2, "is a directory"),
        (["--max-iter", str(2**63)], 2, "max_iter must be <="),
    ],
)
def test_cli_descend_edge_cases(argv, code, message, capsys):
    assert main(["descend", "(x-10)**2", "--x0", "30", "--lr", "0.05", *argv]) == code
    assert message in capsys.readouterr().out


# --- 13 and 14. values that pass one check must pass them all -----------------------------------
@PATHS
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(max_iter=2**63), ValueError, "max_iter must be <="),
        (dict(window=2**63), ValueError, "window must be <="),
        (dict(lr=StepDecay(0.1, 0.5, 10)), None, None),
        (dict(lr=10**400), ValueError, "lr must be finite"),
        (dict(nesterov="False"), TypeError, "nesterov must be True or False"),
        (dict(record_path="no"), TypeError, "record_path must be True or False"),
        (dict(nesterov=1), TypeError, "nesterov"),
        (dict(lr=StepDecay([0.1, 0.2], 0.5, 10)), ValueError, "minimize_many"),
    ],
)
def test_arguments_are_checked_the_same_way_every_time(gd, kwargs, error, match):
    for _ in range(2):  # the second call takes the steady path
        if error is None:
            gd.minimize(bowl, [0.0, 0.0], **kwargs)
        else:
            with pytest.raises(error, match=match):
                gd.minimize(bowl, [0.0, 0.0], **kwargs)


def test_step_decay_every_is_bounded():
    with pytest.raises(ValueError, match="every must be <="):
        StepDecay(0.1, 0.5, 2**63)


def test_steady_path_does_not_conflate_equal_values_of_other_types():
    fastgd.minimize(bowl, [0.0, 0.0], nesterov=False, max_iter=5)
    with pytest.raises(TypeError, match="nesterov"):
        fastgd.minimize(bowl, [0.0, 0.0], nesterov=0, max_iter=5)
    fastgd.minimize(bowl, [0.0, 0.0], max_iter=5)
    with pytest.raises(TypeError, match="max_iter"):
        fastgd.minimize(bowl, [0.0, 0.0], max_iter=5.0)


def test_a_huge_max_iter_allocates_only_what_the_run_uses():
    res = fastgd.minimize(bowl, [0.0, 0.0], max_iter=10**10)  # record_path=True by default
    assert res.success and res.path.shape == (res.nit + 1, 2)
    res = fastgd.minimize(bowl, [0.0, 0.0], window=10**12, max_iter=10**10)  # momentum 0
    assert res.success
    windowed = fastgd.minimize(bowl, [0.0, 0.0], momentum=0.5, window=10**12, max_iter=10**10)
    unlimited = fastgd.minimize(bowl, [0.0, 0.0], momentum=0.5, max_iter=10**10)
    np.testing.assert_array_equal(windowed.path, unlimited.path)


@PATHS
@pytest.mark.parametrize(
    "objective",
    [lambda p: 3, lambda p: p[0] > 0, lambda p: np.int64(3), lambda p: np.float32(p[0] ** 2)],
    ids=["int", "bool", "int64", "float32"],
)
def test_fun_is_a_float_whatever_the_objective_returns(gd, objective):
    assert type(gd.minimize(objective, [1.0], max_iter=3).fun) is float


@PATHS
def test_approx_fprime_refuses_non_finite_epsilon(gd):
    for epsilon in (np.nan, np.inf, [1e-8, np.nan]):
        with pytest.raises(ValueError, match="epsilon must be finite"):
            gd.approx_fprime(np.array([1.0, 2.0]), bowl, epsilon)


def test_descend_second_run_of_an_expression_compiles_nothing(tmp_path):
    # A fresh cache directory: the first process compiles, the second loads everything.
    import os

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    code = (
        "import fastgd; from fastgd import descent, expressions, _objectives;"
        "from fastgd.kernels import descent as k;"
        "r = fastgd.minimize('(x-10)**2', [30.0], lr=0.05, max_iter=302);"
        "m = expressions.load('(x-10)**2');"
        "ds = (k.descend, m.fun, m.jac);"
        "hits = sum(sum(d.stats.cache_hits.values()) for d in ds);"
        "misses = sum(sum(d.stats.cache_misses.values()) for d in ds);"
        "print(r.x[0], hits, misses)"
    )
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    x1, hits1, misses1 = first.stdout.split()
    x2, hits2, misses2 = second.stdout.split()
    assert x1 == x2 == "10.000088593855091"
    assert int(misses1) == 3  # compiled and saved
    assert (int(hits2), int(misses2)) == (3, 0)  # found on disk: nothing compiled


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    "call",
    [
        "fastgd.minimize_many(sin_r2, [[0.0, -1.0]], max_iter=5)",
        "fastgd.sweep_xor([0.1, 1.0, 10.0] * 30, steps=10, workers=2)",
    ],
    ids=["minimize_many", "sweep_xor"],
)
def test_ctrl_c_interrupts_a_cold_compile(tmp_path, call):
    """The kernels compile on the calling thread, where Ctrl-C lands, not on a pool worker
    the interrupted sweep would have to wait for (issue 7: 28 s)."""
    import os
    import signal
    import time

    code = f"import fastgd; from fastgd.problems import sin_r2; {call}; print('finished')"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))  # empty: everything compiles
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(2.0)  # well inside the compile (several seconds)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)  # a guard against a hang, not a timing assertion
    assert b"KeyboardInterrupt" in err
    # Interrupted inside the compile on the calling thread (without the warm-up, the main
    # thread takes the interrupt while waiting and then waits on for the worker's compile).
    assert b"compile_here" in err
