"""Every document code the leave/discipline processes declare exists in the documents catalogue
(checked when the documents app is installed; it lives on its own branch until merged)."""

import importlib

import pytest

from yunjiao.workflows.engine import get_workflow

PROCESSES = ["leave", "business_travel", "transfer", "commendation", "admonition", "warning",
             "police_penalty_request", "arrest_request"]


def test_declared_document_codes_exist_in_the_catalogue():
    try:
        catalogue = importlib.import_module("yunjiao.documents.catalogue")
    except ImportError:
        pytest.skip("documents app (catalogue) not installed on this branch")
    codes = {c for p in PROCESSES for t in get_workflow(p).transitions for c in t.documents}
    assert codes
    missing = sorted(c for c in codes if c not in catalogue.CATALOGUE)
    assert missing == [], f"未在文书目录中登记的文书代码：{missing}"
