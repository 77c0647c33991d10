"""Liveness action detection on landmark signals (table-driven) and the random challenge."""

import secrets

import pytest

from yunjiao.checkins.face import liveness as lv
from yunjiao.checkins.face.config import get_config


def seq(*triples):
    return [None if t is None else lv.Signals(*t) for t in triples]


FRONT = (0.0, 0.05, 0.30)
STILL = [FRONT] * 12
LEFT_TURN = [FRONT] * 4 + [(0.1, 0.05, 0.3), (0.3, 0.05, 0.3), (0.45, 0.05, 0.3)] + [(0.4, 0.05, 0.3)] * 5
RIGHT_TURN = [FRONT] * 4 + [(-0.1, 0.05, 0.3), (-0.3, 0.05, 0.3), (-0.45, 0.05, 0.3)] + [FRONT] * 5
MOUTH = [FRONT] * 5 + [(0.0, 0.2, 0.3), (0.0, 0.4, 0.3), (0.0, 0.1, 0.3)] + [FRONT] * 4
BLINK = [FRONT] * 5 + [(0.0, 0.05, 0.12), (0.0, 0.05, 0.10)] + [FRONT] * 5
EYES_SHUT = [FRONT] * 5 + [(0.0, 0.05, 0.10)] * 7  # closes and never reopens: not a blink
RIGHT_THEN_MOUTH = [FRONT] * 3 + [(-0.4, 0.05, 0.3)] * 3 + [(-0.1, 0.05, 0.3), (0.0, 0.45, 0.3)] + [FRONT] * 4
MOUTH_THEN_RIGHT = [FRONT] * 3 + [(0.0, 0.45, 0.3)] * 2 + [(-0.4, 0.05, 0.3)] * 3 + [FRONT] * 4
# a photo of a turned head with an open mouth: constant signals perform nothing
TURNED_OPEN_PHOTO = [(-0.6, 0.45, 0.3)] * 12


@pytest.mark.parametrize(
    ("signals", "challenge", "passed"),
    [
        (STILL, ["turn_left"], False),
        (STILL, ["open_mouth"], False),
        (STILL, ["blink"], False),
        (LEFT_TURN, ["turn_left"], True),
        (LEFT_TURN, ["turn_right"], False),
        (RIGHT_TURN, ["turn_right"], True),
        (RIGHT_TURN, ["turn_left"], False),
        (MOUTH, ["open_mouth"], True),
        (MOUTH, ["turn_left"], False),
        (BLINK, ["blink"], True),
        (EYES_SHUT, ["blink"], False),
        (RIGHT_THEN_MOUTH, ["turn_right", "open_mouth"], True),
        (RIGHT_THEN_MOUTH, ["open_mouth", "turn_right"], False),  # wrong order
        (MOUTH_THEN_RIGHT, ["open_mouth", "turn_right"], True),
        (MOUTH_THEN_RIGHT, ["turn_right", "open_mouth"], False),
        (TURNED_OPEN_PHOTO, ["turn_right"], False),
        (TURNED_OPEN_PHOTO, ["open_mouth"], False),
    ],
)
def test_detect_actions(signals, challenge, passed):
    result = lv.detect_actions(seq(*signals), challenge, get_config())
    assert result.passed is passed
    assert len(result.events) == len(challenge)
    if not passed:
        assert result.reasons and all("动作" in r for r in result.reasons)


def test_wrong_order_names_the_missing_step():
    result = lv.detect_actions(seq(*RIGHT_THEN_MOUTH), ["open_mouth", "turn_right"], get_config())
    assert result.events[0] is not None and result.events[1] is None
    assert "之后没有检测到“转头向右”" in result.reasons[0]


def test_too_few_frames_with_landmarks_fails_with_a_reason():
    result = lv.detect_actions(seq(*([None] * 8 + LEFT_TURN[:4])), ["turn_left"], get_config())
    assert not result.passed and "特征点" in result.reasons[0]


def test_unknown_action_is_refused():
    assert not lv.detect_actions(seq(*LEFT_TURN), ["smile"], get_config()).passed


def test_default_challenge_leaves_out_the_unvalidated_blink():
    for _ in range(100):
        assert "blink" not in lv.random_challenge()


def test_random_challenge_has_one_or_two_distinct_known_actions():
    rng = secrets.SystemRandom()
    seen_lengths, seen_actions, seen_firsts = set(), set(), set()
    for _ in range(300):
        ch = lv.random_challenge(actions=lv.ACTIONS, rng=rng)
        assert 1 <= len(ch) <= 2 and len(set(ch)) == len(ch)
        assert set(ch) <= set(lv.ACTIONS)
        seen_lengths.add(len(ch))
        seen_actions.update(ch)
        seen_firsts.add(ch[0])
    assert seen_lengths == {1, 2} and seen_actions == set(lv.ACTIONS) and seen_firsts == set(lv.ACTIONS)


def test_random_challenge_respects_the_configured_actions(settings):
    settings.FACE_CHALLENGE_ACTIONS = ("turn_left", "open_mouth")
    for _ in range(50):
        assert set(lv.random_challenge()) <= {"turn_left", "open_mouth"}
    assert lv.challenge_text(["turn_left", "open_mouth"]) == "转头向左，然后张嘴"
