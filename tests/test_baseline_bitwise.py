"""With default options, every number is what the compiled path gave before the trainer rework.

``tests/data/baseline_6064baa.npz`` was written by ``tests/data/record_baseline.py`` on commit
6064baa's compiled kernels; the cases (the notebook's sweep, other hidden sizes, data sets and
seeds) are defined there. Bit for bit: ``assert_array_equal``, no tolerance.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).with_name("data")
_spec = importlib.util.spec_from_file_location("record_baseline", DATA / "record_baseline.py")
record_baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(record_baseline)


@pytest.fixture(scope="module")
def baseline():
    with np.load(DATA / "baseline_6064baa.npz") as data:
        return {key: data[key] for key in data.files}


@pytest.mark.parametrize("case", sorted(record_baseline.CASES))
def test_default_options_reproduce_the_recorded_outputs_bit_for_bit(case, baseline):
    result = record_baseline.run_case(case)
    for field in ("errors", "synapse_0", "synapse_1", "status"):
        np.testing.assert_array_equal(result[field], baseline[f"{case}/{field}"], err_msg=field)
