"""Text and machine-readable reports of a sweep: the notebook's printout, tables, JSON, CSV."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from fastgd.results import SweepResult


def _alpha_text(alpha: float) -> str:
    """An alpha as the notebook writes it: 0.001, 1, 1000 (no trailing .0)."""
    return f"{alpha:g}" if float(alpha).is_integer() or alpha < 1e-4 else repr(float(alpha))


def format_notebook(result: SweepResult) -> str:
    """The notebook's printout, line for line ('Training With Alpha: ...', 'Error after ...')."""
    lines = []
    errors = _errors_by_alpha(result)
    for alpha, row in zip(result.alphas, errors, strict=True):
        lines.append(f"\nTraining With Alpha: {_alpha_text(alpha)}")
        for step, error in zip(result.checkpoints, row, strict=True):
            lines.append(f"Error after  {step}  iterations:  {float(error)!r}")
    return "\n".join(lines).lstrip("\n")


def format_table(result: SweepResult, digits: int = 10) -> str:
    """Mean |error| at every checkpoint: one row per alpha, one column per checkpoint.

    With several seeds the cells are the mean across seeds.
    """
    errors = _errors_by_alpha(result)
    width = digits + 3
    header = "alpha".rjust(9) + "".join(f"{int(step):>{width}d}" for step in result.checkpoints)
    rows = [header, "-" * len(header)]
    for alpha, row in zip(result.alphas, errors, strict=True):
        cells = "".join(f"{error:>{width}.{digits}f}" for error in row)
        rows.append(f"{_alpha_text(alpha):>9}{cells}")
    if result.seeds is not None:
        rows.append(f"(mean over {len(result.seeds)} seeds: {list(map(int, result.seeds))})")
    return "\n".join(rows)


def _errors_by_alpha(result: SweepResult) -> np.ndarray:
    """Errors with one row per alpha (averaged over seeds when there is a seed axis)."""
    return result.errors if result.seeds is None else result.errors.mean(axis=1)


def to_records(result: SweepResult) -> list[dict]:
    """One record per (alpha, seed, checkpoint): the long format that pandas and CSV like."""
    seeds = [None] if result.seeds is None else [int(s) for s in result.seeds]
    errors = result.errors if result.seeds is not None else result.errors[:, None, :]
    records = []
    for a, alpha in enumerate(result.alphas):
        for s, seed in enumerate(seeds):
            for c, step in enumerate(result.checkpoints):
                record = {"alpha": float(alpha)}
                if seed is not None:
                    record["seed"] = seed
                record.update(step=int(step), error=float(errors[a, s, c]))
                records.append(record)
    return records


def to_json(result: SweepResult) -> str:
    """The whole result as JSON (arrays as nested lists; NaN as null)."""

    def plain(value):
        if isinstance(value, np.ndarray):
            return (
                np.where(np.isfinite(value), value, None).tolist()
                if value.dtype.kind == "f"
                else value.tolist()
            )
        if isinstance(value, np.generic):
            return value.item()
        return value

    return json.dumps({key: plain(value) for key, value in result.items()}, indent=1)


def to_csv(result: SweepResult) -> str:
    """Long-format CSV: ``alpha,[seed,]step,error``."""
    records = to_records(result)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()
