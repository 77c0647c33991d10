"""face_eval: the metrics (table-driven) and the command on the test photos."""

import io

import numpy as np
import pytest
from django.core.management import call_command

from yunjiao.checkins.face.evaluation import PairScores, auc, rates, threshold_for_far

from .conftest import DATA


@pytest.mark.parametrize(
    ("genuine", "impostor", "expected"),
    [
        ([0.9, 0.8], [0.1, 0.2], 1.0),
        ([0.1, 0.2], [0.9, 0.8], 0.0),
        ([0.5], [0.5], 0.5),
        ([0.6, 0.4], [0.5], 0.5),
    ],
)
def test_auc(genuine, impostor, expected):
    assert auc(np.array(genuine), np.array(impostor)) == pytest.approx(expected)


def test_rates_and_far_threshold():
    s = PairScores(np.array([0.5, 0.6, 0.7, 0.35]), np.array([0.1] * 1996 + [0.2, 0.3, 0.4, 0.45]))
    assert rates(s, 0.42) == (pytest.approx(1 / 2000), pytest.approx(1 / 4))
    thr = threshold_for_far(s.impostor, 0.001)  # 2 false accepts allowed out of 2000
    assert 0.3 < thr <= 0.3 + 1e-9
    far, frr = rates(s, thr)
    assert far == pytest.approx(2 / 2000) and frr == 0.0


def test_face_eval_command_on_the_test_photos():
    out = io.StringIO()
    call_command("face_eval", str(DATA), stdout=out)
    text = out.getvalue()
    assert "images: 18 (8 people)" in text
    assert "skipped fr_two_people.jpg: MULTI" in text and "skipped fr_short_hamilton_clip.mp4: VIDEO" in text
    assert "AUC: 1.0000" in text
    assert "accept threshold 0.420: FAR 0.000%, FRR 0.000%" in text
    assert "threshold for FAR <= 0.10%" in text
