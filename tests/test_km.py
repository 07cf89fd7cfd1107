"""helpers.km's Greenwood variance on a data set small enough to compute by hand.

Oracle: durations 1, 2, 3, 4 with events 1, 1, 0, 1. At t = 1, n = 4, d = 1: S = 3/4 and
Var = (3/4)² · 1/(4·3) = 0.046875. At t = 2, n = 3, d = 1: S = 1/2 and
Var = (1/2)² · (1/12 + 1/(3·2)) = 0.0625. At t = 4 the last patient has the event (n = d = 1):
S = 0 and so is its variance.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import km

DURATIONS, EVENTS = [1, 2, 3, 4], [1, 1, 0, 1]


def test_greenwood_against_the_hand_calculation():
    level, variance = km.greenwood_at(DURATIONS, EVENTS, [0.5, 1, 2.5, 4])
    np.testing.assert_allclose(level, [1.0, 0.75, 0.5, 0.0], atol=1e-15)
    np.testing.assert_allclose(variance, [0.0, 0.046875, 0.0625, 0.0], atol=1e-15)


def test_greenwood_without_events_is_one_with_no_variance():
    level, variance = km.greenwood_at([1, 2], [0, 0], [0.5, 3])
    assert level.tolist() == [1.0, 1.0] and variance.tolist() == [0.0, 0.0]


def test_greenwood_rejects_missing_times():
    with pytest.raises(ValueError, match="times"):
        km.greenwood_at(DURATIONS, EVENTS, [1, float("nan")])
