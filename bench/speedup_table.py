"""Turn pytest-benchmark JSON into a Markdown speedup table.

Usage::

    python -m pytest bench --benchmark-only --benchmark-json=bench.json
    python bench/speedup_table.py bench.json

Within each benchmark group the baseline is the entry whose name contains ``reference``,
``scipy``, ``python`` or ``baseline`` (what the others are compared with); every row shows
its minimum time and the baseline's minimum divided by it. Times of entries with
``extrapolate_to_alphas`` or ``extrapolate_to_runs`` in their ``extra_info`` (a baseline timed
on a sample) are scaled linearly and marked ``*``. Entries with ``measured_seconds`` (timed
inside a new process, e.g. a first call after ``import fastgd``) show the minimum of those,
marked ``†``. Rows with ``alpha_steps`` or ``runs`` in ``extra_info`` also show throughput,
and rows with ``flops`` (and ``peak_flops``) floating-point operations per second (and the
share of the machine's peak).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

BASELINE_WORDS = ("reference", "scipy", "python", "baseline")


def _scale(bench: dict) -> float:
    """How many times the timed work the full job is (1 unless timed on a sample)."""
    info = bench.get("extra_info", {})
    if "extrapolate_to_alphas" in info:
        return info["extrapolate_to_alphas"] / info["alphas"]
    if "extrapolate_to_runs" in info:
        return info["extrapolate_to_runs"] / info["timed_runs"]
    return 1


def _seconds(bench: dict) -> float:
    info = bench.get("extra_info", {})
    if info.get("measured_seconds"):
        return min(info["measured_seconds"])
    return bench["stats"]["min"] * _scale(bench)


def _throughput(bench: dict, seconds: float) -> str:
    info = bench.get("extra_info", {})
    if "alpha_steps" in info:
        rate = f"{info['alpha_steps'] * _scale(bench) / seconds / 1e6:,.2f} M alpha-steps/s"
        return rate + _flops(info, bench, seconds)
    if "runs" in info:
        return f"{info['runs'] / seconds:,.0f} runs/s"
    return ""


def _flops(info: dict, bench: dict, seconds: float) -> str:
    """'; 15.2 GFLOP/s (18 % of peak)' for entries that count their floating-point work."""
    if "flops" not in info:
        return ""
    flops = info["flops"] * _scale(bench) / seconds
    peak = info.get("peak_flops")
    share = f" ({100 * flops / peak:.0f} % of peak)" if peak else ""
    return f"; {flops / 1e9:,.1f} GFLOP/s{share}"


def _fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def table(data: dict) -> str:
    groups: dict[str, list[dict]] = defaultdict(list)
    for bench in data["benchmarks"]:
        groups[bench["group"] or "(no group)"].append(bench)
    lines = []
    machine = data.get("machine_info", {})
    cpu = machine.get("cpu", {}).get("brand_raw", "?")
    lines.append(
        f"Machine: {cpu}, {machine.get('cpu', {}).get('count', '?')} CPUs, "
        f"Python {machine.get('python_version', '?')}; minimum of the rounds.\n"
    )
    lines.append("| group | benchmark | time | speedup | throughput |")
    lines.append("|---|---|---:|---:|---:|")
    for group, benches in groups.items():
        baseline = next(
            (b for b in benches if any(w in b["name"].split("[")[0] for w in BASELINE_WORDS)),
            None,
        )
        for bench in benches:
            seconds, scaled = _seconds(bench), _scale(bench) != 1
            inside = bool(bench.get("extra_info", {}).get("measured_seconds"))
            mark = " *" if scaled else " †" if inside else ""
            name = bench["name"].removeprefix("test_") + mark
            ratio = f"{_seconds(baseline) / seconds:,.1f}x" if baseline else ""
            rate = _throughput(bench, seconds)
            lines.append(f"| {group} | {name} | {_fmt_time(seconds)} | {ratio} | {rate} |")
    if any(_scale(b) != 1 for b in data["benchmarks"]):
        lines.append(
            "\n`*` timed on a sample (fewer alphas or runs) and scaled linearly (the baseline "
            "runs them one after another)."
        )
    if any(b.get("extra_info", {}).get("measured_seconds") for b in data["benchmarks"]):
        lines.append("\n`†` timed inside a new process, after `import fastgd`.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json_file", help="output of pytest --benchmark-json")
    args = parser.parse_args()
    with open(args.json_file) as handle:
        print(table(json.load(handle)))


if __name__ == "__main__":
    main()
