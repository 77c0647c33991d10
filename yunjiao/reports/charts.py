"""Inline SVG charts for the report page (no script, no CDN): pure functions returning SVG markup with all
text escaped."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

COLORS = {"done": "#67c23a", "late": "#e6a23c", "missed": "#f56c6c", "pending": "#c0c4cc", "bar": "#1f6feb"}
SEGMENTS = (("done", "按时完成"), ("late", "超时完成"), ("missed", "未响应"), ("pending", "待签到"))


def _text(x, y, s, *, anchor="start", size=12, fill="#303133") -> str:
    return (f'<text x="{x}" y="{y}" font-size="{size}" fill="{fill}" text-anchor="{anchor}" '
            f'dominant-baseline="middle">{escape(str(s))}</text>')


def stacked_tasks(rows: list[dict], *, width: int = 720, title: str = "核查完成情况") -> SafeString:
    """One horizontal bar per org: on-time / late / missed / pending segments, completion rate at the end."""
    label_w, right_w, bar_h, gap, top = 150, 70, 18, 10, 44
    height = top + len(rows) * (bar_h + gap) + 10
    plot_w = width - label_w - right_w
    biggest = max([sum(r[k] for k, _ in SEGMENTS) for r in rows] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">', _text(0, 10, title, size=14)]
    x = label_w
    for key, label in SEGMENTS:
        parts.append(f'<rect x="{x}" y="22" width="12" height="12" fill="{COLORS[key]}"/>')
        parts.append(_text(x + 16, 28, label))
        x += 90
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        parts.append(_text(label_w - 8, y + bar_h / 2, r["name"], anchor="end"))
        x = label_w
        for key, label in SEGMENTS:
            w = plot_w * r[key] / biggest
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLORS[key]}">'
                             f'<title>{escape(r["name"])} {label} {r[key]}</title></rect>')
            x += w
        rate = "—" if r.get("completion_rate") is None else f'{r["completion_rate"]:.1f}%'
        parts.append(_text(width - right_w + 6, y + bar_h / 2, rate))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bars(items: list[tuple[str, float | None]], *, width: int = 720, title: str = "", unit: str = "",
         max_value: float | None = None) -> SafeString:
    """Simple horizontal bars (label, value); a value of None (nothing to measure) shows "—" and no bar."""
    label_w, right_w, bar_h, gap, top = 150, 70, 16, 8, 26
    height = top + max(len(items), 1) * (bar_h + gap) + 6
    plot_w = width - label_w - right_w
    biggest = max_value or max([v for _, v in items if v is not None] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">', _text(0, 10, title, size=14)]
    if not items:
        parts.append(_text(label_w, top + bar_h / 2, "无数据", fill="#909399"))
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = plot_w * (value or 0) / biggest
        parts.append(_text(label_w - 8, y + bar_h / 2, label, anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLORS["bar"]}">'
                     f'<title>{escape(label)} {value}{escape(unit)}</title></rect>')
        shown = "—" if value is None else (f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}")
        parts.append(_text(label_w + w + 6, y + bar_h / 2, shown))
    parts.append("</svg>")
    return mark_safe("".join(parts))
