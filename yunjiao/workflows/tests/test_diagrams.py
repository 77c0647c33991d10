"""Diagrams are generated from the declarations, and the committed copies are up to date."""

from pathlib import Path

from django.conf import settings

from yunjiao.workflows import diagrams
from yunjiao.workflows.engine import all_workflows, get_workflow

DOCS = Path(settings.BASE_DIR) / "docs" / "workflows"


def test_make_diagrams_output_matches_the_committed_files(tmp_path):
    written = diagrams.write_all(tmp_path)
    assert len(written) == 2 * len(all_workflows())
    for path in written:
        committed = DOCS / path.name
        assert committed.exists(), f"{committed} 缺失：请运行 make diagrams 并提交"
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed.name} 与流程声明不一致：请运行 make diagrams 并提交")


def test_mermaid_has_every_transition():
    wf = get_workflow("intake")
    text = diagrams.mermaid(wf)
    assert text.count("-->") >= sum(max(1, len(t.sources)) for t in wf.transitions)
    assert "[*] --> notified: 登记交付通知" in text
    assert "in_correction --> [*]" in text


def test_svg_highlights_the_current_state():
    wf = get_workflow("discharge")
    plain = diagrams.svg(wf)
    marked = diagrams.svg(wf, current="announced", visited={"preparing", "evaluated"})
    assert 'class="state current" data-state="announced"' in marked
    assert "state current" not in plain
    assert marked.startswith("<svg") and "<script" not in marked
    for _, label in wf.states.choices:
        assert f">{label}</text>" in plain


def test_layout_puts_each_step_below_its_source():
    nodes, edges, _, _ = diagrams.layout(get_workflow("pre_sentence_assessment"))
    assert nodes["received"].layer < nodes["assigned"].layer < nodes["investigating"].layer
    assert nodes["county_review"].layer < nodes["opinion_sent"].layer
    # no two states on top of each other
    boxes = [(n.layer, round(n.x)) for k, n in nodes.items()]
    assert len(boxes) == len(set(boxes))
