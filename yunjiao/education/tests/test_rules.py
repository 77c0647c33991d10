"""Pure rules: intervals, containers, quizzes, monthly hours (domain.md §5.3)."""

from datetime import date
from decimal import Decimal

import pytest

from yunjiao.education import rules


@pytest.mark.parametrize("intervals, expected", [
    ([(0, 10), (10, 20)], [(0, 20)]),
    ([(0, 10), (10.5, 20)], [(0, 20)]),          # a gap under 1 s is a heartbeat boundary
    ([(0, 10), (30, 40)], [(0, 10), (30, 40)]),  # a skip stays a hole
    ([(30, 40), (0, 10), (5, 35)], [(0, 40)]),
    ([(5, 5), (7, 3)], []),
])
def test_merge_intervals(intervals, expected):
    assert rules.merge_intervals(intervals) == expected


def test_covered_seconds_counts_overlaps_once():
    assert rules.covered_seconds([(0, 60), (30, 90), (0, 10)]) == 90


@pytest.mark.parametrize("start, end, expected", [
    (0, 10, (0, 10)),
    (590, 700, (590, 600)),    # clipped to the video
    (600, 700, None),          # wholly past the end
    (10, 5, None),             # backwards
    (3, 3, None),              # empty
    (-5, 10, None),            # before the start
])
def test_accept_segment_clips_to_the_video(start, end, expected):
    assert rules.accept_segment(start, end, duration=600) == expected


@pytest.mark.parametrize("head, fmt", [
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "mp4"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "webm"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", None),
    (b"RIFF\x00\x00\x00\x00AVI LIST", None),
    (b"FLV\x01\x05", None),
    (b"\x00\x00\x00\x14ftypqt  ", None),
    (b"<html><script>", None),
])
def test_sniff_video(head, fmt):
    assert rules.sniff_video(head) == fmt


def test_describe_unsupported_names_the_container():
    assert rules.describe_unsupported(b"RIFF\x00\x00\x00\x00AVI LIST") == "AVI"
    assert rules.describe_unsupported(b"\x00\x00\x00\x14ftypqt  ") == "MOV"


def test_question_without_correct_answer_is_refused():
    assert any("正确答案" in e for e in rules.question_errors("题目", ["甲", "乙"], []))
    assert rules.question_errors("题目", ["甲", "乙"], [1]) == []
    assert rules.question_errors("题目", ["甲"], [0])  # one option is no question
    assert rules.question_errors("题目", ["甲", "乙"], [5])


def test_quiz_score_pass_ratio():
    keys = {1: [0], 2: [1, 2], 3: [0]}
    assert rules.quiz_score({1: [0], 2: [2, 1], 3: [1]}, keys) == (2, 3, True)
    assert rules.quiz_score({1: [0]}, keys) == (1, 3, False)


@pytest.mark.parametrize("audience, value, kw, ok", [
    ("all", "", {}, True),
    ("category", "parole,probation", {"category": "parole"}, True),
    ("category", "parole", {"category": "probation"}, False),
    ("charge", "盗窃，诈骗", {"charges": "盗窃罪"}, True),
    ("charge", "诈骗", {"charges": "盗窃罪"}, False),
    ("juvenile", "", {"juvenile": True}, True),
    ("juvenile", "", {"juvenile": False}, False),
])
def test_audience(audience, value, kw, ok):
    args = {"category": "probation", "charges": "", "juvenile": False, **kw}
    assert rules.audience_matches(audience, value, **args) is ok


TABLE = rules.DEFAULT_HOURS


def test_strict_default_is_the_verified_12_plus_12():
    assert TABLE["strict"].education == 12 and TABLE["strict"].service == 12 and TABLE["strict"].verified
    assert not TABLE["normal"].verified and not TABLE["lenient"].verified


def test_whole_month_at_one_level():
    days = rules.level_days(date(2026, 6, 1), "strict", [])
    assert days == {"strict": 30}
    assert rules.required_hours(date(2026, 6, 1), days, TABLE) == (Decimal("12.00"), Decimal("12.00"))


def test_level_change_mid_month_is_pro_rata_by_days():
    # June 2026: 严管 1–15 (15 days), 普管 from the 16th (15 days): 12×15/30 + 8×15/30 = 10
    days = rules.level_days(date(2026, 6, 1), "strict", [(date(2026, 6, 16), "normal")])
    assert days == {"strict": 15, "normal": 15}
    assert rules.required_hours(date(2026, 6, 1), days, TABLE) == (Decimal("10.00"), Decimal("10.00"))


def test_two_changes_and_a_change_before_the_month():
    days = rules.level_days(date(2026, 7, 1), "normal",
                            [(date(2026, 5, 1), "lenient"), (date(2026, 7, 11), "strict"), (date(2026, 7, 21), "normal")])
    assert days == {"lenient": 10, "strict": 10, "normal": 11}


def test_correction_period_clips_the_month():
    # correction starts 2026-06-21: 10 days of 严管 → 4 h
    days = rules.level_days(date(2026, 6, 1), "strict", [], start=date(2026, 6, 21))
    assert days == {"strict": 10}
    assert rules.required_hours(date(2026, 6, 1), days, TABLE) == (Decimal("4.00"), Decimal("4.00"))


def test_shortfall_adds_both_kinds_never_negative():
    assert rules.shortfall(12, 13, 12, 6) == Decimal("6.00")
    assert rules.shortfall(12, 12, 12, 12) == Decimal("0.00")


def test_warn_during_month():
    assert not rules.warn_during_month(date(2026, 6, 3), Decimal(12), Decimal(0))   # early: on pace is ~1 h
    assert rules.warn_during_month(date(2026, 6, 20), Decimal(12), Decimal(2))      # pace 8 h, lag > 4 h
    assert rules.warn_during_month(date(2026, 6, 26), Decimal(12), Decimal(11))     # last week, still missing
    assert not rules.warn_during_month(date(2026, 6, 26), Decimal(12), Decimal(12))


# Online education credit only for study actually done (LAW art.36; domain.md §5.3 hour accounting):
# the union of watched segments is judged against the session's whole elapsed time, never per heartbeat.
@pytest.mark.parametrize("covered, elapsed, expected", [
    (60, 60, True),     # watched in real time
    (120, 60, True),    # 2× playback rate
    (9, 3, True),       # within the slack of a late first heartbeat
    (4.0, 4.02, True),  # 4 s clip: periodic flush and pause flush 20 ms apart, both honest
    (8.0, 8.05, True),  # a flush queued behind a slow answer arrives 50 ms after the previous one
    (4.0, 0.5, True),   # page opened, clock skew between page load and first play: within slack
    (30, 5, False),     # ten 3-second forged heartbeats fired in a burst
    (60, 5, False),     # a forged report: 60 s claimed 5 s after the start
    (300, 110, False),  # 100 s watched, then a drag from 100 s to 300 s reported as played
    (200, 110, True),   # … the same viewer watching 300–400 s after the skip is credited normally
    (0, -1, True),      # clock skew never refuses nothing
])
def test_plausible_total(covered, elapsed, expected):
    assert rules.plausible_total(covered, elapsed) is expected
