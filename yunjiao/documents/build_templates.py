"""Generate the default .docx template of every document type: `python -m yunjiao.documents.build_templates`.

The templates under `templates_docx/` are committed; this script is how they were made and how to remake them
after the catalogue changes (a test checks that the committed files equal a fresh build).  A city replaces a
template by uploading its own version; the placeholders allowed are listed on the template page.

Layout follows GB/T 9704-2012 (党政机关公文格式) where it applies to 执法文书:
A4, margins top 37 mm / bottom 35 mm / left 28 mm / right 26 mm; title 二号 (22 pt) 方正小标宋简体; body 三号
(16 pt) 仿宋_GB2312 with a fixed line pitch of 28.95 pt (22 lines a page) and a two-character first-line
indent; 文号 line; the issuing org and the date in Chinese numerals at the bottom right, the date four
characters from the right margin, the seal pressing on both (the "（印章）" mark shows where); page numbers
"— 1 —" in 四号.  审批表/登记表 are tables in 仿宋 小四 (12 pt).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from yunjiao.documents.catalogue import SIGNERS, DocumentType, generated_types
from yunjiao.documents.fields import FIELDS

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates_docx"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
KAI_FONT = "楷体_GB2312"
HEI_FONT = "黑体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(12)  # 小四
LINE_PITCH = Pt(28.95)
INDENT_2_CHARS = Pt(32)
# A fixed timestamp for the zip entries so that rebuilding gives byte-identical files.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

# Fields shown at the top of a record (笔录) rather than in its body.
RECORD_HEADER_FIELDS = ("record_time", "record_place", "event_date_cn", "event_place", "interviewer", "recorder",
                        "interviewee", "interviewee_relation", "participants", "hours", "lost_contact_date_cn")

# Subject facts printed at the top of every 审批表/登记表.
FORM_SUBJECT_ROWS = (
    ("姓名", "subject.name", "性别", "subject.sex"),
    ("出生日期", "subject.birth_date_cn", "矫正类别", "subject.category"),
    ("身份证号码", "subject.id_number", "罪名", "subject.charges"),
    ("原判刑罚", "subject.original_term", "矫正期限", "subject.correction_term"),
    ("矫正起始日期", "subject.period_start_cn", "矫正结束日期", "subject.period_end_cn"),
)
BASIC_INFO_ROWS = FORM_SUBJECT_ROWS + (
    ("曾用名", "subject.former_name", "民族", "subject.ethnicity"),
    ("文化程度", "subject.education", "婚姻状况", "subject.marital_status"),
    ("政治面貌", "subject.political_status", "健康状况", "subject.health_status"),
    ("就业就学情况", "subject.employment", "联系电话", "subject.phone"),
    ("工作单位", "subject.work_unit", "矫正对象编号", "subject.number"),
    ("附加刑", "subject.supplementary_penalty", "管理等级", "subject.supervision_level"),
    ("决定机关", "subject.deciding_authority", "判决（决定）文书号", "subject.judgment_number"),
    ("判决日期", "subject.judgment_date_cn", "判决生效日期", "subject.judgment_effective_date_cn"),
    ("报到日期", "subject.report_date_cn", "负责司法所", "org.township_name"),
)
BASIC_INFO_WIDE = (
    ("户籍地", "subject.household_address"),
    ("居住地", "subject.residence_address"),
    ("主要犯罪事实", "subject.crime_facts"),
    ("禁止令内容", "subject.prohibitions"),
)
OPINION_LABELS = {
    "township_opinion": ("司法所意见", "负责人"),
    "county_opinion": ("县级社区矫正机构意见", "负责人"),
    "head_opinion": ("县司法局负责人意见", "负责人"),
    "city_opinion": ("市级社区矫正机构意见", "负责人"),
}


# ------------------------------------------------------------------------------------------ low-level helpers
def _set_run_font(run, name: str, size, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _para(container, text: str = "", *, font=BODY_FONT, size=BODY_SIZE, bold=False, align=None,
          indent_first=False, right_indent=None, space_before=0, space_after=0, pitch=LINE_PITCH, color=None):
    p = container.add_paragraph()
    fmt = p.paragraph_format
    if pitch is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = pitch
    fmt.space_before = Pt(space_before)
    fmt.space_after = Pt(space_after)
    if align is not None:
        p.alignment = align
    if indent_first:
        fmt.first_line_indent = INDENT_2_CHARS
    if right_indent is not None:
        fmt.right_indent = right_indent
    if text:
        _set_run_font(p.add_run(text), font, size, bold, color)
    return p


def _title(doc, text: str) -> None:
    _para(doc, text, font=TITLE_FONT, size=TITLE_SIZE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          pitch=Pt(36), space_after=6)


def _number_line(doc, t: DocumentType) -> None:
    if t.numbered:
        _para(doc, "{{ document_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=12)
    else:
        _para(doc, "")


def _signature(doc, *, org_placeholder="{{ org.name }}") -> None:
    _para(doc, "")
    _para(doc, "（印章）", size=Pt(12), align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=Pt(80),
          color=RGBColor(0x99, 0x99, 0x99))
    _para(doc, org_placeholder, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=Pt(32))
    _para(doc, "{{ issue_date_cn }}", align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=Pt(64))


def _subject_sign_line(doc) -> None:
    _para(doc, "")
    _para(doc, "社区矫正对象签名（捺印）：　　　　　　年　　月　　日", size=BODY_SIZE)


def _copy_to(doc, t: DocumentType) -> None:
    if "copy_to" in t.fields:
        _para(doc, "{%p if copy_to %}")
        _para(doc, "抄送：{{ copy_to }}", size=Pt(14))
        _para(doc, "{%p endif %}")


def _cell(cell, text: str, *, bold=False, align=None, size=TABLE_SIZE) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    if align is not None:
        p.alignment = align
    _set_run_font(p.add_run(text), BODY_FONT, size, bold)


def _grid(doc, rows: int, cols: int):
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _set_col_widths(table, widths) -> None:
    """Fixed column widths (Word reads the cell widths, LibreOffice the table grid: set both)."""
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=False):
        col.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            if i < len(widths):
                cell.width = widths[i]


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_run_font(p.add_run("— "), BODY_FONT, Pt(14))
    run = p.add_run()
    _set_run_font(run, BODY_FONT, Pt(14))
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _set_run_font(p.add_run(" —"), BODY_FONT, Pt(14))


def new_document():
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Mm(21)
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = BODY_SIZE
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), BODY_FONT)
    lang = OxmlElement("w:lang")  # zh-CN: LibreOffice then picks the SC face of the Noto CJK collections
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    _page_number_footer(section)
    props = doc.core_properties
    props.author = "云矫 Yunjiao"
    props.title = ""
    props.comments = "由 python -m yunjiao.documents.build_templates 生成"
    from datetime import datetime

    props.created = props.modified = datetime(2026, 1, 1)
    props.last_modified_by = "云矫 Yunjiao"
    props.revision = 1
    return doc


def _field_lines(t: DocumentType, names) -> list[str]:
    lines = []
    for name in names:
        spec = FIELDS[name]
        if spec.kind == "rows" or name in OPINION_LABELS or name == "copy_to":
            continue
        lines.append(f"{spec.label}：{{{{ {name} }}}}")
    return lines


def _body(doc, t: DocumentType) -> None:
    text = t.body or "\n".join(_field_lines(t, t.fields))
    for i, line in enumerate(text.split("\n")):
        is_salutation = i == 0 and line.endswith("：") and "{{" in line[:20] and t.body
        if is_salutation or (i == 0 and line.endswith("：") and t.body):
            _para(doc, line)
        else:
            _para(doc, line, indent_first=True)


# ------------------------------------------------------------------------------------------ layouts
def _layout_notice(doc, t: DocumentType) -> None:
    _para(doc, "{{ org.name }}", font=TITLE_FONT, size=TITLE_SIZE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          pitch=Pt(36))
    _title(doc, t.title)
    _number_line(doc, t)
    _body(doc, t)
    _signature(doc)
    if t.subject_signs:
        _subject_sign_line(doc)
    _copy_to(doc, t)


def _layout_text(doc, t: DocumentType) -> None:
    _title(doc, t.title)
    _number_line(doc, t)
    if not t.produced_by_case_file:
        _para(doc, "姓名：{{ subject.name }}　　矫正类别：{{ subject.category }}　　"
                   "矫正期限：{{ subject.period_start_cn }}至{{ subject.period_end_cn }}", size=Pt(14))
    else:
        _para(doc, "姓名：{{ subject.name }}　　档号：{{ file_number }}", size=Pt(14))
    for name in t.fields:
        spec = FIELDS[name]
        if spec.multiline:
            _para(doc, f"{{{{ {name} }}}}", indent_first=True)
        elif name not in OPINION_LABELS:
            _para(doc, f"{spec.label}：{{{{ {name} }}}}")
    if t.subject_signs:
        _para(doc, "")
        _para(doc, "本人签名：　　　　　　", align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=Pt(64))
        _para(doc, "{{ issue_date_cn }}", align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=Pt(64))
    else:
        _signature(doc)


def _layout_record(doc, t: DocumentType) -> None:
    _title(doc, t.title)
    _number_line(doc, t)
    header = [n for n in t.fields if n in RECORD_HEADER_FIELDS]
    rest = [n for n in t.fields if n not in RECORD_HEADER_FIELDS and n not in OPINION_LABELS]
    for name in header:
        _para(doc, f"{FIELDS[name].label}：{{{{ {name} }}}}")
    _para(doc, "社区矫正对象：{{ subject.name }}（{{ subject.sex }}，{{ subject.category }}）")
    for name in rest:
        spec = FIELDS[name]
        if spec.multiline:
            _para(doc, f"{spec.label}：")
            _para(doc, f"{{{{ {name} }}}}", indent_first=True)
        else:
            _para(doc, f"{spec.label}：{{{{ {name} }}}}")
    _para(doc, "")
    if "interviewee" in t.fields:
        _para(doc, "被询问（谈话）人签名：　　　　　　　　询问（谈话）人签名：　　　　　　", size=Pt(14))
        _para(doc, "记录人签名：　　　　　　　　　　　　　　　　年　　月　　日", size=Pt(14))
    else:
        _para(doc, "记录人：{{ officer.name }}　　　　　　　　　　{{ issue_date_cn }}", size=Pt(14))
        _para(doc, "{{ org.name }}", size=Pt(14), align=WD_ALIGN_PARAGRAPH.RIGHT)


def _layout_form(doc, t: DocumentType) -> None:
    _title(doc, t.title)
    if t.numbered:
        _para(doc, "{{ document_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "填表单位：{{ org.name }}　　填表日期：{{ issue_date_cn }}", size=Pt(10.5), pitch=Pt(22))
    basic = t.code == "subject_basic_info_form"
    rows4 = BASIC_INFO_ROWS if basic else FORM_SUBJECT_ROWS
    wide = list(BASIC_INFO_WIDE if basic else (("居住地", "subject.residence_address"),))
    for name in t.fields:
        spec = FIELDS[name]
        if name in OPINION_LABELS or spec.kind == "rows" or name == "copy_to":
            continue
        wide.append((spec.label, name))
    approvals = list(t.approvals)
    table = _grid(doc, len(rows4) + len(wide) + len(approvals), 4)
    for r, (l1, f1, l2, f2) in enumerate(rows4):
        cells = table.rows[r].cells
        _cell(cells[0], l1, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell(cells[1], f"{{{{ {f1} }}}}")
        _cell(cells[2], l2, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell(cells[3], f"{{{{ {f2} }}}}")
    r = len(rows4)
    for lab, name in wide:
        cells = table.rows[r].cells
        _cell(cells[0], lab, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        merged = cells[1].merge(cells[3])
        _cell(merged, f"{{{{ {name} }}}}")
        r += 1
    for name in approvals:
        lab, who = OPINION_LABELS[name]
        cells = table.rows[r].cells
        _cell(cells[0], lab, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        merged = cells[1].merge(cells[3])
        _cell(merged, f"{{{{ {name} }}}}")
        p = merged.add_paragraph()
        _set_run_font(p.add_run(""), BODY_FONT, TABLE_SIZE)
        p = merged.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _set_run_font(p.add_run(f"{who}签名：　　　　　（盖章）　　年　　月　　日"), BODY_FONT, TABLE_SIZE)
        r += 1
    _set_col_widths(table, (Mm(31), Mm(47), Mm(31), Mm(47)))
    if t.subject_signs:
        _para(doc, "")
        _para(doc, "社区矫正对象签名（捺印）：　　　　　　　　年　　月　　日", size=TABLE_SIZE)
    _para(doc, "注：本表由{}填写，一式{}份。".format(SIGNERS[t.signer], "两" if t.archive == "both" else "一"),
          size=Pt(10.5), pitch=Pt(20))


def _rows_table(doc, spec) -> None:
    cols = len(spec.columns)
    table = _grid(doc, 3, cols)
    for i, (_, lab) in enumerate(spec.columns):
        _cell(table.rows[0].cells[i], lab, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(table.rows[1].cells[0], f"{{%tr for r in {spec.name} %}}")
    for i, (col, _) in enumerate(spec.columns):
        _cell(table.rows[2].cells[i], f"{{{{ r.{col} }}}}")
    row_end = table.add_row()
    _cell(row_end.cells[0], "{%tr endfor %}")


def _layout_list(doc, t: DocumentType) -> None:
    _title(doc, t.title)
    _number_line(doc, t)
    _para(doc, "社区矫正对象：{{ subject.name }}　　矫正类别：{{ subject.category }}　　"
               "编号：{{ subject.number }}", size=Pt(14))
    for name in t.fields:
        spec = FIELDS[name]
        if spec.kind != "rows" and name not in OPINION_LABELS:
            _para(doc, f"{spec.label}：{{{{ {name} }}}}", size=Pt(14))
    for name in t.fields:
        if FIELDS[name].kind == "rows":
            _rows_table(doc, FIELDS[name])
    _signature(doc)


def _layout_toc(doc, t: DocumentType) -> None:
    _title(doc, t.title)
    _para(doc, "{{ archive_kind }}　　姓名：{{ subject.name }}　　编号：{{ subject.number }}", size=Pt(14),
          align=WD_ALIGN_PARAGRAPH.CENTER)
    _rows_table(doc, FIELDS["entries"])


def _layout_cover(doc, t: DocumentType) -> None:
    for _ in range(3):
        _para(doc, "")
    _para(doc, "{{ org.county_name }}", font=TITLE_FONT, size=Pt(26), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          pitch=Pt(40))
    _para(doc, "社区矫正{{ archive_kind }}", font=TITLE_FONT, size=Pt(36), bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, pitch=Pt(60), space_before=24, space_after=48)
    table = _grid(doc, 6, 2)
    rows = (("姓　　名", "{{ subject.name }}"), ("矫正类别", "{{ subject.category }}"),
            ("矫正期限", "{{ subject.period_start_cn }}至{{ subject.period_end_cn }}"),
            ("档　　号", "{{ file_number }}"), ("保管期限", "{{ retention }}"), ("立卷单位", "{{ org.name }}"))
    for i, (lab, val) in enumerate(rows):
        _cell(table.rows[i].cells[0], lab, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_SIZE)
        _cell(table.rows[i].cells[1], val, size=BODY_SIZE)
    _set_col_widths(table, (Mm(40), Mm(116)))


def _layout_certificate(doc, t: DocumentType) -> None:
    # 存根 (stub): kept by the issuing agency; the main part goes to the subject.
    _title(doc, t.title)
    _para(doc, "（存　根）", font=KAI_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ document_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "社区矫正对象：{{ subject.name }}（{{ subject.sex }}，{{ subject.category }}）")
    for line in _field_lines(t, t.required):
        _para(doc, line)
    _para(doc, "签发日期：{{ issue_date_cn }}　　　　承办人：{{ officer.name }}")
    _para(doc, "…………………………（骑缝处加盖印章）…………………………", size=Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER,
          space_before=12, space_after=12)
    _para(doc, "{{ org.name }}", font=TITLE_FONT, size=TITLE_SIZE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
          pitch=Pt(36))
    _title(doc, t.title)
    _para(doc, "{{ document_number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=12)
    _body(doc, t)
    _signature(doc)


LAYOUTS = {
    "notice": _layout_notice, "text": _layout_text, "record": _layout_record, "form": _layout_form,
    "list": _layout_list, "toc": _layout_toc, "cover": _layout_cover, "certificate": _layout_certificate,
}


def _slim(doc) -> None:
    """Drop what python-docx's default package carries but a template does not need: the 790 KB of unused
    styles (styles.xml keeps only the styles in use and their bases), stylesWithEffects, customXml and the
    misleading thumbnail.  Smaller files parse faster on every render."""
    for rels, kinds in ((doc.part.rels, ("stylesWithEffects", "customXml")),
                        (doc.part.package.rels, ("thumbnail",))):
        for rid, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in kinds:
                rels.pop(rid)
    styles = doc.styles.element
    xml = doc.element.xml + "".join(s.footer._element.xml for s in doc.sections)
    used = set()
    for tag in ("pStyle", "rStyle", "tblStyle"):
        used |= set(re.findall(rf'<w:{tag} w:val="([^"]+)"', xml))
    by_id = {el.get(qn("w:styleId")): el for el in styles.findall(qn("w:style"))}
    keep = set()
    for sid, el in by_id.items():
        if el.get(qn("w:default")) in ("1", "true"):
            used.add(sid)
    todo = list(used)
    while todo:
        sid = todo.pop()
        if sid in keep or sid not in by_id:
            continue
        keep.add(sid)
        for ref in ("basedOn", "link", "next"):
            node = by_id[sid].find(qn(f"w:{ref}"))
            if node is not None:
                todo.append(node.get(qn("w:val")))
    for sid, el in by_id.items():
        if sid not in keep:
            styles.remove(el)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)


def build_template(t: DocumentType) -> bytes:
    """The default template of one type, as .docx bytes (deterministic)."""
    doc = new_document()
    doc.core_properties.title = t.title
    LAYOUTS[t.layout](doc, t)
    _slim(doc)
    raw = io.BytesIO()
    doc.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def template_path(code: str) -> Path:
    return TEMPLATE_DIR / f"{code}.docx"


def build_all(directory: Path = TEMPLATE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for t in generated_types():
        path = directory / f"{t.code}.docx"
        path.write_bytes(build_template(t))
        written.append(path)
    known = {p.name for p in written}
    for stale in directory.glob("*.docx"):
        if stale.name not in known:
            stale.unlink()
    return written


def main(argv: list[str] | None = None) -> int:
    paths = build_all()
    print(f"已生成 {len(paths)} 个文书模板：{TEMPLATE_DIR}")
    return 0


__all__ = ["build_template", "build_all", "template_path"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
