"""人机分离 rules (法 art.29 wristband vs the face-verified check-in position)."""

import pytest

from yunjiao.checkins.separation import separated


@pytest.mark.parametrize("distance, checkin_acc, fix_acc, expected", [
    (3000, 20, 15, True),     # 3 km apart with good fixes: the wristband is elsewhere
    (1000, 20, 15, False),    # within 20 + 15 + 1,000 m
    (1100, None, 15, False),  # no accuracy from the phone: taken as 200 m
    (1300, None, 15, True),
    (2500, 1500, 15, False),  # a network fix on the phone: too vague to accuse anyone
])
def test_separated(distance, checkin_acc, fix_acc, expected):
    assert separated(distance, checkin_acc, fix_acc) is expected
