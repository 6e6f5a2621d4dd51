"""The figures' statistics: a median of values counted (the days notes waited for their
sign-off, tens of thousands of them in a few hundred values) is the median of the values."""

from __future__ import annotations

import random
from collections import Counter

from restart_desktop.domain.figures import Stat, median, median_counted


def test_a_median_of_counted_values_is_the_median_of_the_values() -> None:
    rng = random.Random(27)
    assert median_counted({}) == median([]) == Stat(None, 0)
    for size in (1, 2, 3, 10, 101, 1000):
        values = [rng.choice([0.0, 0.5, 1.25, 3.0, 7.75, 30.0]) for _ in range(size)]
        assert median_counted(Counter(values)) == median(values)
    assert median_counted({1.0: 1, 3.0: 1}) == Stat(2.0, 2)  # between the middle two
    assert median_counted({2.0: 3, 9.0: 1}) == Stat(2.0, 4)
