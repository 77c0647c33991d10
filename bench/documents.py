"""Documents benchmark: `python -m bench.documents [--export-size 300]`.

Measures on this machine:
1. .docx renders per second (docxtpl, one type many times, and all 90 types once);
2. PDF conversions per minute: one LibreOffice start per document vs. one start for a batch;
3. an e-file export of N documents (render + batch PDF + merge into one PDF + ZIP of Word and PDF files).
Prints a Markdown section for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from yunjiao.documents import catalogue, rendering
from yunjiao.documents.build_templates import template_path
from yunjiao.documents.demo import demo_context


def _render(code: str, seq: int = 7) -> bytes:
    t = catalogue.get(code)
    return rendering.render_document(t, template_path(code).read_bytes(), demo_context(t, seq=seq))


def bench_render(n: int) -> dict:
    template = template_path("warning_decision").read_bytes()
    t = catalogue.get("warning_decision")
    ctx = demo_context(t)
    start = time.perf_counter()
    for _ in range(n):
        rendering.render_document(t, template, ctx)
    one_type = n / (time.perf_counter() - start)
    types = catalogue.generated_types()
    start = time.perf_counter()
    for t in types:
        rendering.render_document(t, template_path(t.code).read_bytes(), demo_context(t))
    all_types = len(types) / (time.perf_counter() - start)
    return {"warning_decision_per_s": one_type, "all_types_per_s": all_types, "n": n, "types": len(types)}


def bench_pdf(single: int, batch: int, work: Path) -> dict:
    codes = [t.code for t in catalogue.generated_types()]
    docs = []
    for i in range(max(single, batch)):
        path = work / f"doc{i:04d}.docx"
        path.write_bytes(_render(codes[i % len(codes)], seq=i + 1))
        docs.append(path)
    start = time.perf_counter()
    for path in docs[:single]:
        rendering.convert_to_pdf(path, work / "single")
    per_doc = (time.perf_counter() - start) / single
    start = time.perf_counter()
    rendering.convert_many(docs[:batch], work / "batch")
    batched = (time.perf_counter() - start) / batch
    return {"single_s": per_doc, "single_per_min": 60 / per_doc, "batch_s": batched, "batch_per_min": 60 / batched,
            "single_n": single, "batch_n": batch}


def bench_export(n: int, work: Path) -> dict:
    codes = [t.code for t in catalogue.generated_types()]
    t0 = time.perf_counter()
    docs = []
    for i in range(n):
        path = work / f"e{i:04d}.docx"
        path.write_bytes(_render(codes[i % len(codes)], seq=i + 1))
        docs.append(path)
    t1 = time.perf_counter()
    pdfs = []
    for i in range(0, n, 50):  # the export job converts in batches of 50 to report progress
        pdfs += rendering.convert_many(docs[i:i + 50], work / "pdf")
    t2 = time.perf_counter()
    merged = rendering.merge_pdfs(pdfs, work / "efile.pdf")
    pages = rendering.pdf_page_count(merged)
    t3 = time.perf_counter()
    with zipfile.ZipFile(work / "efile.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for d, p in zip(docs, pdfs, strict=True):
            z.write(d, f"word/{d.name}")
            z.write(p, f"pdf/{p.name}")
    t4 = time.perf_counter()
    return {"n": n, "render_s": t1 - t0, "pdf_s": t2 - t1, "merge_s": t3 - t2, "zip_s": t4 - t3,
            "total_s": t4 - t0, "pages": pages, "pdf_mb": merged.stat().st_size / 1e6,
            "zip_mb": (work / "efile.zip").stat().st_size / 1e6}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--renders", type=int, default=300)
    ap.add_argument("--single", type=int, default=5)
    ap.add_argument("--batch", type=int, default=30)
    ap.add_argument("--export-size", type=int, default=300)
    args = ap.parse_args(argv)
    r = bench_render(args.renders)
    lines = [
        f"## Documents (文书) — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        "Command: `python -m bench.documents` "
        f"(renders={args.renders}, single={args.single}, batch={args.batch}, export={args.export_size}).",
        f"Machine: {os.cpu_count()} cores / 24 GiB, {platform.python_implementation()} {platform.python_version()}, "
        "shared with other helpers' work while it ran (numbers are conservative).",
        "",
        "| measure | result |",
        "| --- | --- |",
        f"| docx render, one type (警告决定书) | {r['warning_decision_per_s']:.0f} documents/s "
        f"({1000 / r['warning_decision_per_s']:.1f} ms each) |",
        f"| docx render, all {r['types']} types once | {r['all_types_per_s']:.0f} documents/s |",
    ]
    if rendering.pdf_available():
        with tempfile.TemporaryDirectory() as tmp:
            p = bench_pdf(args.single, args.batch, Path(tmp))
            lines += [
                f"| PDF, one soffice start per document ({p['single_n']} docs) | {p['single_per_min']:.0f} /min "
                f"({p['single_s']:.2f} s each) |",
                f"| PDF, one soffice start for a batch of {p['batch_n']} | {p['batch_per_min']:.0f} /min "
                f"({p['batch_s']:.2f} s each) |",
            ]
        if args.export_size:
            with tempfile.TemporaryDirectory() as tmp:
                e = bench_export(args.export_size, Path(tmp))
                lines += [
                    f"| e-file export of {e['n']} documents: render | {e['render_s']:.1f} s |",
                    f"| … PDF conversion (batches of 50) | {e['pdf_s']:.1f} s |",
                    f"| … merge into one PDF ({e['pages']} pages, {e['pdf_mb']:.1f} MB) | {e['merge_s']:.1f} s |",
                    f"| … ZIP of Word + PDF ({e['zip_mb']:.1f} MB) | {e['zip_s']:.1f} s |",
                    f"| … total | {e['total_s']:.1f} s |",
                ]
    else:
        lines.append(f"| PDF | {rendering.PDF_UNAVAILABLE} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
