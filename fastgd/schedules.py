"""Learning-rate schedules shared by the compiled path and the reference.

A schedule is applied the way the article applies its decay: a running rate is multiplied by
``gamma`` after certain updates (repeated multiplication, not ``lr * gamma**e``, so the
reference and the kernels reproduce the article's numbers to the last bit).
"""

from __future__ import annotations

import numbers

import numpy as np

from fastgd._validation import positive_float, positive_float_array, positive_int

_INF = float("inf")

#: The article's convention: decay after updates 0, every, 2*every, ...; update k uses
#: ``lr * gamma**ceil(k / every)``.
ARTICLE = "article"
#: PyTorch's ``StepLR``: decay after updates every-1, 2*every-1, ...; update k uses
#: ``lr * gamma**floor(k / every)``.
PYTORCH = "pytorch"


class StepDecay:
    """Step decay of the learning rate: multiply it by ``gamma`` every ``every`` updates.

    Parameters
    ----------
    lr : float, or a 1-D sequence of floats
        Initial learning rate, finite and > 0. Several rates make a family of schedules with
        the same decay, one per rate: that is how :func:`fastgd.minimize_many` sweeps decayed
        rates (``minimize`` takes a single one).
    gamma : float, default 1.0
        Factor applied at each decay, finite and > 0 (< 1 decays).
    every : int, default 1
        Updates between decays.
    convention : {"article", "pytorch"}, default "article"
        ``"article"``: the rate is multiplied after updates 0, every, 2*every, ... (the article's
        loop decays in the same branch that prints every 20 iterations, starting at 0), so
        update k uses ``lr * gamma**ceil(k / every)``. ``"pytorch"``: as
        ``torch.optim.lr_scheduler.StepLR``, update k uses ``lr * gamma**floor(k / every)``.

    A schedule is immutable (and hashable), like a number.

    Examples
    --------
    >>> from fastgd import StepDecay
    >>> s = StepDecay(0.1, 0.7, 20)
    >>> [round(s(k), 6) for k in (0, 1, 20, 21)]
    [0.1, 0.07, 0.07, 0.049]
    >>> t = StepDecay(0.1, 0.7, 20, convention="pytorch")
    >>> [round(t(k), 6) for k in (0, 19, 20, 21)]
    [0.1, 0.1, 0.07, 0.07]
    >>> StepDecay([0.1, 0.2], 0.5, 1).rates
    (0.1, 0.2)
    """

    __slots__ = ("lr", "gamma", "every", "convention", "_hash")

    def __init__(
        self, lr, gamma: float = 1.0, every: int = 1, *, convention: str = ARTICLE
    ) -> None:
        if isinstance(lr, numbers.Real) or np.ndim(lr) == 0:
            rate = positive_float(lr, "lr")
        else:
            rate = tuple(positive_float_array(lr, "lr").tolist())
        if convention not in (ARTICLE, PYTORCH):
            raise ValueError(f"convention must be 'article' or 'pytorch', got {convention!r}")
        fields = (rate, positive_float(gamma, "gamma"), positive_int(every, "every"), convention)
        for name, value in zip(self.__slots__, fields, strict=False):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_hash", hash(fields))

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"StepDecay is immutable; make a new one to change {name}")

    @property
    def rates(self) -> tuple[float, ...]:
        """The initial rate(s), always as a tuple."""
        return self.lr if isinstance(self.lr, tuple) else (self.lr,)

    @property
    def decay_offset(self) -> int:
        """The rate decays after update k when ``(k + decay_offset) % every == 0``."""
        return 0 if self.convention == ARTICLE else 1

    def decays_after(self, k: int) -> bool:
        """Whether the rate is multiplied by ``gamma`` after update ``k`` (0-based)."""
        return (k + self.decay_offset) % self.every == 0

    def __call__(self, k: int):
        """The rate used by update ``k`` (0-based), by the same repeated multiplication.

        A float, or an array with one rate per initial rate.
        """
        rate = np.array(self.lr) if isinstance(self.lr, tuple) else self.lr
        for j in range(k):
            if self.decays_after(j):
                rate = rate * self.gamma
        return rate

    def with_rate(self, lr: float) -> StepDecay:
        """The same decay from another initial rate."""
        return StepDecay(lr, self.gamma, self.every, convention=self.convention)

    def __repr__(self) -> str:
        return (
            f"StepDecay(lr={self.lr!r}, gamma={self.gamma!r}, every={self.every!r}, "
            f"convention={self.convention!r})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StepDecay) and all(
            getattr(self, a) == getattr(other, a) for a in self.__slots__
        )

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        return (_step_decay, (self.lr, self.gamma, self.every, self.convention))


def _step_decay(lr, gamma, every, convention) -> StepDecay:
    return StepDecay(lr, gamma, every, convention=convention)


def as_schedule(lr: float | StepDecay) -> StepDecay:
    """A constant rate is a StepDecay that never decays; a single run takes one rate."""
    if isinstance(lr, StepDecay):
        if isinstance(lr.lr, tuple):
            raise ValueError(
                "lr must be a single learning rate here; a StepDecay of several rates is for "
                "fastgd.minimize_many"
            )
        return lr
    return StepDecay(positive_float(lr, "lr"))
