"""Every document type renders with demo data; uploads are checked before they replace a template."""

import io
import zipfile

import pytest
from docx import Document

from yunjiao.documents import catalogue as c
from yunjiao.documents.build_templates import template_path
from yunjiao.documents.demo import demo_context, demo_number
from yunjiao.documents.fields import FIELDS
from yunjiao.documents.rendering import (
    RenderError,
    TemplateRejected,
    docx_text,
    missing_required,
    render_document,
    render_docx,
    template_fields,
    unfilled_placeholders,
    validate_template,
)

GENERATED = [t.code for t in c.generated_types()]


def _first_line(value) -> str:
    return str(value).split("\n")[0]


@pytest.mark.parametrize("code", GENERATED)
def test_every_type_renders_with_every_required_field_and_its_document_number(code):
    t = c.get(code)
    template = template_path(code).read_bytes()
    used = template_fields(template)
    assert used <= set(t.allowed_placeholders) | {f"{n}.{col}" for n in t.fields for col, _ in FIELDS[n].columns}
    context = demo_context(t)
    out = render_document(t, template, context)
    assert unfilled_placeholders(out) == []
    text = docx_text(out)
    for name in t.required:
        spec = FIELDS[name]
        value = spec.demo[0][spec.columns[0][0]] if spec.kind == "rows" else spec.demo
        assert _first_line(value) in text, f"{code}: 必填字段 {name} 未出现在文书中"
    if t.numbered:
        assert demo_number(t) in text
        assert f"司矫{t.number_series}字〔2026〕第7号" in text or f"司所{t.number_series}字〔2026〕第7号" in text
    elif t.layout != "toc":  # the 卷内目录 lists other documents' numbers
        assert "〔2026〕第" not in text
    if not t.produced_by_case_file:
        assert "张某某" in text


def test_warning_decision_reads_like_the_official_format():
    t = c.get("warning_decision")
    text = docx_text(render_document(t, template_path(t.code).read_bytes(), demo_context(t)))
    assert "济任司矫警字〔2026〕第7号" in text
    assert "二〇二六年十一月二十八日" in text
    assert "济宁市任城区社区矫正管理局" in text
    assert "（印章）" in text


def test_default_templates_use_official_fonts_and_sizes():
    doc = Document(io.BytesIO(template_path("warning_decision").read_bytes()))
    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    title = next(r for r in runs if r.text == "警告决定书")
    assert title.font.name == "方正小标宋简体" and title.font.size.pt == 22
    body = next(r for r in runs if "决定给予你警告" in r.text)
    assert body.font.name == "仿宋_GB2312" and body.font.size.pt == 16
    section = doc.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


def test_forms_are_tables_with_approval_rows():
    doc = Document(io.BytesIO(template_path("leave_approval_form").read_bytes()))
    cells = {cell.text for row in doc.tables[0].rows for cell in row.cells}
    assert {"司法所意见", "县级社区矫正机构意见", "外出目的地"} <= cells


def test_table_rows_repeat_per_item():
    t = c.get("correction_team_list")
    context = demo_context(t)
    out = render_document(t, template_path(t.code).read_bytes(), context)
    doc = Document(io.BytesIO(out))
    names = [row.cells[0].text for row in doc.tables[0].rows[1:]]
    assert names == [m["name"] for m in context["team_members"]]


def test_missing_required_field_is_refused_in_chinese():
    t = c.get("warning_decision")
    context = demo_context(t)
    context["facts"] = ""
    assert missing_required(t, context) == ["事实"]
    with pytest.raises(RenderError, match="缺少必填内容：事实"):
        render_document(t, template_path(t.code).read_bytes(), context)


def test_strict_rendering_names_a_missing_value():
    t = c.get("warning_decision")
    context = demo_context(t)
    del context["subject"]["name"]
    with pytest.raises(RenderError, match="subject.name"):
        render_docx(template_path(t.code).read_bytes(), context)


def test_values_are_escaped_and_line_breaks_kept():
    t = c.get("warning_decision")
    context = demo_context(t)
    context["facts"] = "甲<乙> & 丙\n第二行"
    out = render_document(t, template_path(t.code).read_bytes(), context)
    text = docx_text(out)
    assert "甲<乙> & 丙" in text and "第二行" in text
    xml = zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml").decode()
    assert "<w:br/>" in xml


# ------------------------------------------------------------------ uploads of replacement templates
def _docx_with(*paragraphs: str) -> bytes:
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_city_template_with_known_fields_is_accepted():
    t = c.get("warning_decision")
    check = validate_template(_docx_with("{{ org.name }}警告决定书", "{{ document_number }}",
                                         "{{ subject.name }}：{{ facts }}", "{{ issue_date_cn }}"), t)
    assert "facts" in check.fields


def test_unknown_placeholder_is_refused_with_the_list_of_valid_fields():
    t = c.get("warning_decision")
    with pytest.raises(TemplateRejected) as exc:
        validate_template(_docx_with("{{ subject.salary }} {{ penalty }}"), t)
    msg = str(exc.value)
    assert "未知的占位符：penalty、subject.salary" in msg
    assert "facts" in msg and "subject.name" in msg and "document_number" in msg


def test_unknown_column_inside_a_table_loop_is_refused():
    t = c.get("correction_team_list")
    doc = Document(io.BytesIO(template_path(t.code).read_bytes()))
    doc.tables[0].rows[2].cells[0].text = "{{ r.salary }}"
    buf = io.BytesIO()
    doc.save(buf)
    with pytest.raises(TemplateRejected, match="team_members.salary"):
        validate_template(buf.getvalue(), t)


def test_broken_jinja_is_refused():
    with pytest.raises(TemplateRejected, match="语法错误"):
        validate_template(_docx_with("{{ subject.name "), c.get("warning_decision"))


@pytest.mark.parametrize("payload, message", [
    (b"", "文件为空"),
    (b"%PDF-1.7 not a word file", "不是有效的 Word"),
    (b"\xd0\xcf\x11\xe0 old .doc", "不是有效的 Word"),
])
def test_non_docx_files_are_refused(payload, message):
    with pytest.raises(TemplateRejected, match=message):
        validate_template(payload, c.get("warning_decision"))


def test_zip_without_word_body_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(TemplateRejected, match="缺少正文"):
        validate_template(buf.getvalue(), c.get("warning_decision"))


def test_truncated_docx_is_refused():
    data = template_path("warning_decision").read_bytes()
    with pytest.raises(TemplateRejected):
        validate_template(data[: len(data) // 2], c.get("warning_decision"))


def test_a_50_mb_file_is_refused_before_it_is_opened():
    big = b"PK" + b"\0" * (50 * 1024 * 1024)
    with pytest.raises(TemplateRejected, match="文件过大（50.0 MB）"):
        validate_template(big, c.get("warning_decision"))
