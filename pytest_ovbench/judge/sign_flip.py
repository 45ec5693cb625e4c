"""The exact paired test reference mode's verdicts use (verdict.compare_paired_look): a one-sided
sign-flip permutation test of the pairs' log ratios (pure: numpy only)."""

from __future__ import annotations

import numpy as np

RANDOM_PATTERNS = 50_000  # sign patterns drawn when there are too many pairs to enumerate


def sign_flip_tails(values: np.ndarray) -> tuple[float, float]:
    """Exact one-sided p-values (mean > 0, mean < 0) of a paired sign-flip permutation test.

    Under "no difference" each pair's log ratio is as likely negative as positive; with n pairs
    all 2**n sign patterns are enumerated (n <= 16). Above that, ``RANDOM_PATTERNS`` seeded random
    patterns and the observed one: p = (hits + 1) / (patterns + 1), never 0 (Phipson & Smyth 2010).
    """
    n = int(values.size)
    observed = float(values.mean())
    slack = 1e-12 * max(1.0, abs(observed))  # the observed pattern itself counts despite rounding
    if n <= 16:
        signs = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1) * 2 - 1
        means = (signs * np.abs(values)).mean(axis=1)
        return float(np.mean(means >= observed - slack)), float(np.mean(means <= observed + slack))
    signs = np.random.default_rng(0).choice([-1, 1], size=(RANDOM_PATTERNS, n))
    means = (signs * np.abs(values)).mean(axis=1)
    worse, better = np.sum(means >= observed - slack), np.sum(means <= observed + slack)
    return float((worse + 1) / (RANDOM_PATTERNS + 1)), float((better + 1) / (RANDOM_PATTERNS + 1))


def smallest_sign_flip_p(pairs: int) -> float:
    """The least p-value the sign-flip test can give with this many pairs."""
    return 2.0**-pairs if pairs <= 16 else 1.0 / (RANDOM_PATTERNS + 1)
