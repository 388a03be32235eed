"""Learning-rate schedules shared by the compiled path and the reference.

A schedule is applied the way the article applies its decay: a running rate is multiplied by
``gamma`` after certain updates (repeated multiplication, not ``lr * gamma**e``, so the
reference and the kernels reproduce the article's numbers to the last bit).
"""

from __future__ import annotations

from fastgd._validation import positive_float, positive_int

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
    lr : float
        Initial learning rate, finite and > 0.
    gamma : float, default 1.0
        Factor applied at each decay, finite and > 0 (< 1 decays).
    every : int, default 1
        Updates between decays.
    convention : {"article", "pytorch"}, default "article"
        ``"article"``: the rate is multiplied after updates 0, every, 2*every, ... (the article's
        loop decays in the same branch that prints every 20 iterations, starting at 0), so
        update k uses ``lr * gamma**ceil(k / every)``. ``"pytorch"``: as
        ``torch.optim.lr_scheduler.StepLR``, update k uses ``lr * gamma**floor(k / every)``.

    Examples
    --------
    >>> from fastgd import StepDecay
    >>> s = StepDecay(0.1, 0.7, 20)
    >>> [round(s(k), 6) for k in (0, 1, 20, 21)]
    [0.1, 0.07, 0.07, 0.049]
    >>> t = StepDecay(0.1, 0.7, 20, convention="pytorch")
    >>> [round(t(k), 6) for k in (0, 19, 20, 21)]
    [0.1, 0.1, 0.07, 0.07]
    """

    __slots__ = ("lr", "gamma", "every", "convention")

    def __init__(
        self, lr: float, gamma: float = 1.0, every: int = 1, *, convention: str = ARTICLE
    ) -> None:
        self.lr = positive_float(lr, "lr")
        self.gamma = positive_float(gamma, "gamma")
        self.every = positive_int(every, "every")
        if convention not in (ARTICLE, PYTORCH):
            raise ValueError(f"convention must be 'article' or 'pytorch', got {convention!r}")
        self.convention = convention

    @property
    def decay_offset(self) -> int:
        """The rate decays after update k when ``(k + decay_offset) % every == 0``."""
        return 0 if self.convention == ARTICLE else 1

    def decays_after(self, k: int) -> bool:
        """Whether the rate is multiplied by ``gamma`` after update ``k`` (0-based)."""
        return (k + self.decay_offset) % self.every == 0

    def __call__(self, k: int) -> float:
        """The rate used by update ``k`` (0-based), by the same repeated multiplication."""
        rate = self.lr
        for j in range(k):
            if self.decays_after(j):
                rate *= self.gamma
        return rate

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
        return hash(tuple(getattr(self, a) for a in self.__slots__))


def as_schedule(lr: float | StepDecay) -> StepDecay:
    """A constant rate is a StepDecay that never decays."""
    if isinstance(lr, StepDecay):
        return lr
    return StepDecay(positive_float(lr, "lr"))
