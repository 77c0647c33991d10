"""`path_q` (the subtree condition used by every scoped queryset) on tricky neighbouring paths."""

import pytest

from yunjiao.core.scoping import path_q
from yunjiao.core.testing import make_subject
from yunjiao.subjects.models import Subject

pytestmark = pytest.mark.django_db

PATHS = ["370800", "370800.370811", "370800.370811.370811002", "370800.370811.3708110021", "370800.3708110",
         "370800.37081", "370800.370811-", "370800.370811.", "370800.370812.370812001", "3708001.370811"]


@pytest.mark.parametrize("prefix", ["370800", "370800.370811", "370800.370811.370811002", "370800.37081", ""])
def test_subtree_matches_the_string_rule(cast, prefix):
    rows = {}
    for i, path in enumerate(PATHS):
        s = make_subject(cast.town_a1, name=f"路径{'甲乙丙丁戊己庚辛壬癸'[i]}")
        Subject.objects.filter(pk=s.pk).update(org_path=path)
        rows[s.pk] = path
    got = set(Subject.objects.filter(pk__in=rows).filter(path_q("org_path", prefix)).values_list("pk", flat=True))
    expected = {pk for pk, path in rows.items() if path == prefix or path.startswith(prefix + ".")}
    assert got == expected
