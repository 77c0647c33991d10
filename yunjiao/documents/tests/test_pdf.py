"""PDF by LibreOffice: Chinese fonts embedded.  Skipped with a reason where LibreOffice is missing."""

import shutil

import pytest

from yunjiao.documents import catalogue as c
from yunjiao.documents import rendering
from yunjiao.documents.build_templates import template_path
from yunjiao.documents.demo import demo_context

needs_soffice = pytest.mark.skipif(not rendering.pdf_available(),
                                   reason="LibreOffice (soffice) 未安装：PDF 转换不可测（apt-get install "
                                          "libreoffice-writer-nogui fonts-noto-cjk fonts-lxgw-wenkai）")
needs_pdffonts = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils 未安装")

SAMPLE = ("warning_decision", "leave_approval_form", "discharge_certificate", "correction_team_list")


def _render_to(tmp_path, code):
    t = c.get(code)
    path = tmp_path / f"{code}.docx"
    path.write_bytes(rendering.render_document(t, template_path(code).read_bytes(), demo_context(t)))
    return path


@needs_soffice
@needs_pdffonts
def test_batch_conversion_embeds_cjk_fonts(tmp_path):
    docs = [_render_to(tmp_path, code) for code in SAMPLE]
    pdfs = rendering.convert_many(docs, tmp_path / "pdf")
    assert [p.stem for p in pdfs] == list(SAMPLE)
    for pdf in pdfs:
        fonts = rendering.pdf_fonts(pdf)
        assert fonts, pdf
        assert rendering.pdf_embeds_cjk(pdf), [(f.name, f.embedded) for f in fonts]
    # the 楷体 of the certificate stub is mapped to LXGW WenKai by fonts/fonts.conf
    assert any("WenKai" in f.name for f in rendering.pdf_fonts(pdfs[2]))


@needs_soffice
def test_single_conversion_writes_next_to_the_docx(tmp_path):
    pdf = rendering.convert_to_pdf(_render_to(tmp_path, "intake_announcement"))
    assert pdf.parent == tmp_path and pdf.read_bytes()[:5] == b"%PDF-"


def test_missing_libreoffice_says_pdf_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("YUNJIAO_SOFFICE", str(tmp_path / "no-such-soffice"))
    assert rendering.pdf_available() is False
    with pytest.raises(rendering.PdfUnavailable, match="PDF 不可用"):
        rendering.convert_to_pdf(_render_to(tmp_path, "warning_decision"))
    assert not list(tmp_path.glob("*.pdf"))


def test_a_failing_converter_raises_instead_of_leaving_a_broken_file(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("YUNJIAO_SOFFICE", str(fake))
    with pytest.raises(rendering.PdfConversionFailed, match="could not be loaded"):
        rendering.convert_to_pdf(_render_to(tmp_path, "warning_decision"))
