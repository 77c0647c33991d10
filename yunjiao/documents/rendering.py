"""Render .docx templates (docxtpl), check uploaded templates, convert to PDF (LibreOffice).  No ORM.

* `render_docx(template_bytes, context) -> bytes` — strict: a placeholder without a value is an error, never a
  silently empty field.  Text with line breaks becomes Word line breaks; values are XML-escaped.
* `template_fields(template_bytes) -> set[str]` — the dotted names a template uses (`subject.name`, `facts`,
  `team_members.name` for a column of a table loop).
* `validate_template(template_bytes, doc_type)` — what an upload must pass: size limit, a real .docx, Jinja
  syntax, only known placeholders (the error lists the valid ones), and a trial render with demo data.
* `convert_to_pdf(docx_path)` / `convert_many(paths, outdir)` — `soffice --headless --convert-to pdf` with a
  private user profile, the font mapping of `fonts/fonts.conf` and a timeout.  `pdf_available()` says
  whether LibreOffice is installed: without it the feature says "PDF 不可用" instead of producing a file.
* `pdf_fonts(pdf)` / `pdf_embeds_cjk(pdf)` — read `pdffonts` (poppler-utils) to prove Chinese glyphs are in
  the PDF.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate, Listing
from jinja2 import nodes

from yunjiao.documents.catalogue import DocumentType
from yunjiao.documents.fields import COMMON, FIELDS

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024  # a real 执法文书 template is 20–200 KB
FONTS_CONF = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
PDF_TIMEOUT_SECONDS = int(os.environ.get("YUNJIAO_PDF_TIMEOUT", "120"))
PDF_UNAVAILABLE = "PDF 不可用：服务器未安装 LibreOffice，已生成 Word 文件。"
_PLACEHOLDER_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}")


class DocumentError(ValueError):
    """A problem a person can fix (bad upload, missing field); the message is Chinese."""


class TemplateRejected(DocumentError):
    pass


class RenderError(DocumentError):
    pass


class PdfUnavailable(DocumentError):
    pass


class PdfConversionFailed(DocumentError):
    pass


# ------------------------------------------------------------------------------------------ rendering
class _CachingEnvironment(jinja2.Environment):
    """docxtpl compiles the document XML on every render; the same template gives the same XML, so the
    compiled Jinja template is kept (bounded) — about a third of a render's time."""

    max_cached = 256

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        tpl = self._compiled.get(source)
        if tpl is None:
            tpl = super().from_string(source)
            if len(self._compiled) >= self.max_cached:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[source] = tpl
        return tpl


_RENDER_ENV = _CachingEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


def _jinja_env() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def _prepare(value):
    """Multi-line strings become docxtpl Listings (line breaks kept, text escaped); containers recurse."""
    if isinstance(value, str):
        return Listing(value) if "\n" in value else value
    if isinstance(value, Mapping):
        return {k: _prepare(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_prepare(v) for v in value]
    return value


def render_docx(template_bytes: bytes, context: Mapping) -> bytes:
    """Fill a template.  Raises RenderError (Chinese message) for a missing value or a broken template."""
    tpl = _open_template(template_bytes, check=False)
    try:
        tpl.render(_prepare(dict(context)), _RENDER_ENV, autoescape=True)
    except jinja2.UndefinedError as exc:
        missing = _missing_names(template_bytes, context) or [str(exc)]
        raise RenderError(f"文书模板使用了未提供的内容（{'、'.join(missing)}），请补充后再生成。") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"文书模板语法错误（第{exc.lineno}行附近）：{exc.message}") from exc
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _missing_names(template_bytes: bytes, context: Mapping) -> list[str]:
    """Dotted names the template reads that the context does not provide (for the error message)."""
    missing = []
    for name in sorted(template_fields(template_bytes)):
        node: object = context
        for part in name.split("."):
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list | tuple):  # a column of a table loop: checked per row by Jinja
                break
            else:
                missing.append(name)
                break
    return missing


def _open_template(template_bytes: bytes, *, check: bool = True) -> DocxTemplate:
    if not template_bytes:
        raise TemplateRejected("文件为空，请选择一个 Word（.docx）文件。")
    if not zipfile.is_zipfile(io.BytesIO(template_bytes)):
        raise TemplateRejected("文件不是有效的 Word（.docx）文件。请在 Word 中“另存为 .docx”后再上传；"
                               "不支持 .doc、.wps 或 PDF。")
    try:
        with zipfile.ZipFile(io.BytesIO(template_bytes)) as z:
            if "word/document.xml" not in z.namelist():
                raise TemplateRejected("文件不是有效的 Word（.docx）文件：缺少正文部分（word/document.xml）。")
            bad = z.testzip() if check else None  # CRC check of every part: uploads only
            if bad:
                raise TemplateRejected(f"Word 文件已损坏（{bad}），请重新保存后上传。")
        tpl = DocxTemplate(io.BytesIO(template_bytes))
        tpl.init_docx()
    except TemplateRejected:
        raise
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise TemplateRejected(f"无法读取该 Word 文件（{type(exc).__name__}），请在 Word 中重新保存为 .docx 后上传。") \
            from exc
    return tpl


def docx_text(docx_bytes: bytes) -> str:
    """All text of a .docx (body, tables, headers, footers), for tests and search."""
    from docx import Document

    doc = Document(io.BytesIO(docx_bytes))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    for section in doc.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def unfilled_placeholders(docx_bytes: bytes) -> list[str]:
    """Jinja markers left in a rendered document (should be none)."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    text = re.sub(r"<[^>]+>", "", xml)
    return _PLACEHOLDER_LEFTOVER.findall(text)


# ------------------------------------------------------------------------------------------ placeholders
def _template_source(tpl: DocxTemplate) -> str:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    xml = tpl.patch_xml(tpl.xml_to_string(tpl.docx._element.body))
    for rel in tpl.docx.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and rel.target_part.blob:
            xml += tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    return xml


class _Collector:
    """Walks a Jinja AST and collects the dotted names it reads from the context."""

    def __init__(self):
        self.names: set[str] = set()

    def visit(self, node, bound: dict[str, str]) -> None:
        if isinstance(node, nodes.For):
            self.visit(node.iter, bound)
            inner = dict(bound)
            source = self._path(node.iter, bound)
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) \
                    else [node.target]:
                inner[target.name] = source or ""
            inner["loop"] = ""
            for child in node.body + node.else_:
                self.visit(child, inner)
            if node.test is not None:
                self.visit(node.test, inner)
            return
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) \
                    else [node.target]:
                bound[target.name] = ""
        if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name):
            path = self._path(node, bound)
            if path is not None:
                if path:
                    self.names.add(path)
                return
        for child in node.iter_child_nodes():
            self.visit(child, bound)

    def _path(self, node, bound) -> str | None:
        """Dotted name for Name/Getattr chains; '' for a loop-local without a known source; None otherwise."""
        parts = []
        while isinstance(node, nodes.Getattr | nodes.Getitem):
            if isinstance(node, nodes.Getattr):
                parts.append(node.attr)
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                parts.append(node.arg.value)
            else:
                return None
            node = node.node
        if not isinstance(node, nodes.Name):
            return None
        if node.name in bound:
            base = bound[node.name]
            if not base:
                return ""
            return ".".join([base] + list(reversed(parts)))
        return ".".join([node.name] + list(reversed(parts)))


def template_fields(template_bytes: bytes) -> set[str]:
    """Dotted names the template reads: {"subject.name", "facts", "team_members", "team_members.name", …}."""
    tpl = _open_template(template_bytes)
    source = _template_source(tpl)
    try:
        ast = _jinja_env().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateRejected(f"模板占位符语法错误：{exc.message}。占位符应写成 {{{{ 字段名 }}}}，"
                               "请检查花括号是否成对、是否被 Word 拆开。") from exc
    collector = _Collector()
    collector.visit(ast, {})
    return collector.names


def allowed_fields(doc_type: DocumentType) -> set[str]:
    allowed = set(doc_type.allowed_placeholders)
    for name in doc_type.fields:
        spec = FIELDS[name]
        if spec.kind == "rows":
            allowed |= {f"{name}.{col}" for col, _ in spec.columns}
    return allowed


def field_help(doc_type: DocumentType) -> list[tuple[str, str]]:
    """(placeholder, label) pairs for the template page: what a city may put into its template."""
    out = [(f.name, f.label) for f in COMMON.values()]
    for name in doc_type.fields:
        spec = FIELDS[name]
        out.append((name, spec.label + ("（表格，逐行循环）" if spec.kind == "rows" else "")))
        if spec.kind == "rows":
            out.extend((f"{name}.{col}", f"{spec.label}·{lab}") for col, lab in spec.columns)
    return out


@dataclass(frozen=True)
class TemplateCheck:
    fields: frozenset[str]
    size: int


def validate_template(template_bytes: bytes, doc_type: DocumentType, *,
                      max_bytes: int = MAX_TEMPLATE_BYTES) -> TemplateCheck:
    """Everything an uploaded replacement template must pass; raises TemplateRejected with a Chinese message."""
    size = len(template_bytes or b"")
    if size > max_bytes:
        raise TemplateRejected(f"文件过大（{size / 1024 / 1024:.1f} MB），模板文件不能超过 "
                               f"{max_bytes // 1024 // 1024} MB。请删除文件中的大图片后再上传。")
    used = template_fields(template_bytes)
    unknown = sorted(used - allowed_fields(doc_type))
    if unknown:
        valid = "、".join(name for name, _ in field_help(doc_type))
        raise TemplateRejected(f"模板中有未知的占位符：{'、'.join(unknown)}。"
                               f"“{doc_type.title}”可用的字段为：{valid}")
    from yunjiao.documents.demo import demo_context

    try:
        rendered = render_docx(template_bytes, demo_context(doc_type))
    except RenderError as exc:
        raise TemplateRejected(f"模板试生成失败：{exc}") from exc
    left = unfilled_placeholders(rendered)
    if left:
        raise TemplateRejected("模板试生成后仍有未替换的占位符标记（如 {{ 或 {%），"
                               "请检查占位符是否被 Word 拆成了多段格式。")
    return TemplateCheck(frozenset(used), size)


def missing_required(doc_type: DocumentType, context: Mapping) -> list[str]:
    """Labels of required fields that are empty in the context."""
    missing = []
    for name in doc_type.required:
        value = context.get(name)
        if value is None or (isinstance(value, str | list | tuple) and len(value) == 0):
            missing.append(FIELDS[name].label)
    return missing


def render_document(doc_type: DocumentType, template_bytes: bytes, context: Mapping) -> bytes:
    """Render one document of a type: required fields must be filled; optional ones default to empty."""
    missing = missing_required(doc_type, context)
    if missing:
        raise RenderError(f"生成“{doc_type.title}”缺少必填内容：{'、'.join(missing)}。")
    full = {name: ([] if FIELDS[name].kind == "rows" else "") for name in doc_type.optional}
    full.update(context)
    return render_docx(template_bytes, full)


# ------------------------------------------------------------------------------------------ PDF
def soffice_path() -> str | None:
    explicit = os.environ.get("YUNJIAO_SOFFICE")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


_PROFILE_LOCK = threading.Lock()


def _profile_dir() -> Path:
    base = os.environ.get("YUNJIAO_SOFFICE_PROFILE_DIR") or tempfile.gettempdir()
    path = Path(base) / f"yunjiao-soffice-{os.getuid()}-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _soffice_env(profile_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    env["HOME"] = str(profile_dir)
    env.setdefault("LANG", "zh_CN.UTF-8")
    return env


def convert_many(docx_paths: Iterable[Path | str], outdir: Path | str, *,
                 timeout: int = PDF_TIMEOUT_SECONDS) -> list[Path]:
    """Convert several .docx files with one LibreOffice start; returns the PDF paths in input order."""
    exe = soffice_path()
    if exe is None:
        raise PdfUnavailable(PDF_UNAVAILABLE)
    paths = [Path(p).resolve() for p in docx_paths]
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    # One private LibreOffice profile per worker process, reused across conversions: creating a profile
    # costs seconds; sharing one between processes running at once would make soffice refuse to start.
    with _PROFILE_LOCK:
        profile_dir = _profile_dir()
        cmd = [exe, f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
               *map(str, paths)]
        try:
            proc = subprocess.run(cmd, env=_soffice_env(profile_dir), capture_output=True, timeout=timeout,
                                  start_new_session=True)
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(profile_dir, ignore_errors=True)  # a hung start may leave a broken profile
            raise PdfConversionFailed(f"PDF 转换超时（超过 {timeout} 秒），Word 文件已保留，请稍后重试。") from exc
    results = []
    for p in paths:
        pdf = outdir / (p.stem + ".pdf")
        if not pdf.exists() or pdf.stat().st_size < 100 or pdf.read_bytes()[:5] != b"%PDF-":
            detail = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[-300:]
            raise PdfConversionFailed(f"PDF 转换失败（{p.name}）：{detail or '未生成文件'}")
        results.append(pdf)
    return results


def convert_to_pdf(docx_path: Path | str, outdir: Path | str | None = None, *,
                   timeout: int = PDF_TIMEOUT_SECONDS) -> Path:
    """One .docx → PDF next to it (or in outdir)."""
    docx_path = Path(docx_path)
    return convert_many([docx_path], outdir or docx_path.parent, timeout=timeout)[0]


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool
    subset: bool


def pdf_fonts(pdf_path: Path | str) -> list[PdfFont]:
    """Fonts listed by `pdffonts` (poppler-utils)."""
    exe = shutil.which("pdffonts")
    if exe is None:
        raise DocumentError("未安装 poppler-utils（pdffonts），无法检查 PDF 字体。")
    out = subprocess.run([exe, str(pdf_path)], capture_output=True, text=True, timeout=30, check=True).stdout
    lines = out.splitlines()
    fonts = []
    # header: name type encoding emb sub uni object ID ; the second line is dashes giving column widths
    if len(lines) < 2:
        return fonts
    widths = [len(col) for col in lines[1].split(" ")]
    for line in lines[2:]:
        cols, pos = [], 0
        for w in widths:
            cols.append(line[pos:pos + w].strip())
            pos += w + 1
        name, ftype, _enc, emb, sub = cols[:5]
        fonts.append(PdfFont(name=name, type=ftype, embedded=emb == "yes", subset=sub == "yes"))
    return fonts


CJK_FONT_MARKERS = ("CJK", "WenKai", "Noto Serif SC", "Noto Sans SC", "FangSong", "SimSun", "KaiTi")


def pdf_embeds_cjk(pdf_path: Path | str) -> bool:
    """True when the PDF embeds at least one CJK font and every font it uses is embedded."""
    fonts = pdf_fonts(pdf_path)
    has_cjk = any(f.embedded and any(m.lower() in f.name.lower() for m in CJK_FONT_MARKERS) for f in fonts)
    return has_cjk and all(f.embedded for f in fonts)


def pdf_page_count(pdf_path: Path | str) -> int:
    """Pages of a PDF (`pdfinfo`, poppler-utils): the 卷内目录 page numbers come from it."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        raise DocumentError("未安装 poppler-utils（pdfinfo），无法统计页数。")
    out = subprocess.run([exe, str(pdf_path)], capture_output=True, text=True, timeout=30, check=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE)
    if not m:
        raise DocumentError(f"无法读取 PDF 页数：{pdf_path}")
    return int(m.group(1))


def merge_pdfs(pdf_paths: Iterable[Path | str], out_path: Path | str, *, chunk: int = 200) -> Path:
    """Concatenate PDFs in order (`pdfunite`, poppler-utils) — one PDF for a whole e-file."""
    exe = shutil.which("pdfunite")
    if exe is None:
        raise DocumentError("未安装 poppler-utils（pdfunite），无法合并 PDF，请改为导出 ZIP。")
    paths = [str(p) for p in pdf_paths]
    if not paths:
        raise DocumentError("没有可合并的 PDF 文件。")
    out_path = Path(out_path)
    if len(paths) == 1:
        shutil.copyfile(paths[0], out_path)
        return out_path
    # pdfunite takes all inputs on one command line: merge in chunks to stay under the argument limit
    with tempfile.TemporaryDirectory(prefix="yunjiao-merge-") as tmp:
        parts = []
        for i in range(0, len(paths), chunk):
            group = paths[i:i + chunk]
            if len(group) == 1:
                parts.append(group[0])
                continue
            part = str(Path(tmp) / f"part{i:06d}.pdf")
            subprocess.run([exe, *group, part], capture_output=True, timeout=300, check=True)
            parts.append(part)
        if len(parts) == 1:
            shutil.copyfile(parts[0], out_path)
        else:
            subprocess.run([exe, *parts, str(out_path)], capture_output=True, timeout=300, check=True)
    return out_path
