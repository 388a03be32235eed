"""Ctrl-C stops a sweep promptly, locally and on Dask, and leaves nothing running."""

import _thread
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import fastgd


def _processes_with(marker: str) -> list[int]:
    """PIDs of live processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_ctrl_c_stops_a_local_sweep_promptly(tmp_path):
    marker = str(tmp_path / "never-written.png")
    alphas = [str(a) for a in (0.01, 0.1, 1, 10, 100, 1000) * 10]
    # A billion steps for 60 runs: hours of work unless Ctrl-C is honoured.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fastgd",
            "sweep",
            "--steps",
            "1000000000",
            "--progress",
            "--plot",
            marker,
            "--alphas",
            *alphas,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = threading.Event()

    def watch_stderr():
        for line in iter(lambda: proc.stderr.read(1), ""):
            if "runs" in line or "%" in line:
                started.set()

    threading.Thread(target=watch_stderr, daemon=True).start()
    assert started.wait(timeout=120), "the sweep never started"
    time.sleep(1.0)  # well inside the kernels
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in out
    assert not Path(marker).exists()
    assert _processes_with(marker) == []


def test_ctrl_c_cancels_a_dask_sweep_and_frees_the_workers(dask_client):
    # Hours of work; three seconds in, "press Ctrl-C" (SIGINT's KeyboardInterrupt).
    timer = threading.Timer(3.0, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        fastgd.sweep_xor([0.1, 1.0, 10.0] * 40, steps=10**9, client=dask_client)
    timer.join()
    deadline = time.monotonic() + 60
    while any(dask_client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(dask_client.processing().values()), "workers still busy after Ctrl-C"
