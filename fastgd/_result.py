"""Result containers shaped like ``scipy.optimize.OptimizeResult``.

A result is a ``dict`` whose keys are also attributes, as in scipy, so that code written
against scipy's results (``res.x``, ``res["fun"]``, ``res.keys()``) works unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Result(dict):
    """A dictionary with attribute access, printed like ``scipy.optimize.OptimizeResult``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __dir__(self) -> list[str]:
        return list(self.keys()) + list(super().__dir__())

    def __repr__(self) -> str:
        if not self:
            return f"{type(self).__name__}()"
        width = max(map(len, self.keys())) + 1
        lines = []
        for key, value in self.items():
            text = (
                np.array2string(value, threshold=20)
                if isinstance(value, np.ndarray)
                else repr(value)
            )
            text = text.replace("\n", "\n" + " " * (width + 2))
            lines.append(f"{key.rjust(width)}: {text}")
        return "\n".join(lines)
