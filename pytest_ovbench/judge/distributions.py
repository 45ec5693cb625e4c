"""The distributions the verdicts' tests use, with scipy.stats' method names (``cdf``, ``sf``,
``ppf``) but through ``scipy.special`` and the standard library: ``scipy.stats`` takes seconds to
import, which every pytest process that judges would pay."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from scipy import special


def distribution(freedom: float) -> Any:
    """Student's t with the spread's degrees of freedom; normal when nothing estimated it (the
    rule's floor alone)."""
    return StudentT(freedom) if freedom > 0 else Normal()


def effective_freedom(sampled: float, known: float, freedom: int) -> float:
    """Welch-Satterthwaite degrees of freedom of a variance that is ``sampled`` (estimated with
    ``freedom``) plus a ``known`` constant: the constant part adds certainty, not doubt."""
    if freedom <= 0 or known <= 0 or sampled <= 0:
        return freedom
    return freedom * ((sampled + known) / sampled) ** 2


@dataclass(frozen=True)
class StudentT:
    """Student's t distribution through ``scipy.special`` (``scipy.stats`` takes seconds to import,
    which every verdict would pay): ``cdf``, ``sf`` and ``ppf`` as scipy.stats.t has them."""

    freedom: float

    def cdf(self, x: float) -> float:
        return float(special.stdtr(self.freedom, x))

    def sf(self, x: float) -> float:
        return float(special.stdtr(self.freedom, -x))

    def ppf(self, q: float) -> float:
        return float(special.stdtrit(self.freedom, q))


class Normal:
    """The standard normal with the same three methods."""

    def cdf(self, x: float) -> float:
        return NormalDist().cdf(x)

    def sf(self, x: float) -> float:
        return 0.5 * math.erfc(x / math.sqrt(2.0))

    def ppf(self, q: float) -> float:
        return NormalDist().inv_cdf(q)
