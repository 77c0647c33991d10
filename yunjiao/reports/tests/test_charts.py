"""The inline SVG charts: valid markup, escaped labels, no external references."""

from xml.etree import ElementTree

from yunjiao.reports import charts


def test_charts_are_self_contained_svg_with_escaped_text():
    rows = [{"name": "许庄<script>", "done": 3, "late": 1, "missed": 1, "pending": 0, "completion_rate": 80.0},
            {"name": "李营", "done": 0, "late": 0, "missed": 0, "pending": 2, "completion_rate": None}]
    svg = str(charts.stacked_tasks(rows))
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag.endswith("svg") and "<script>" not in svg and "许庄&lt;script&gt;" in svg
    assert "80.0%" in svg and "—" in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.find(
        "{http://www.w3.org/2000/svg}title") is not None and "许庄" in r.find("{http://www.w3.org/2000/svg}title").text]
    assert len(widths) == 3 and widths[0] == 3 * widths[1]  # on-time bar three times the late one
    bars = str(charts.bars([("甲", 50.0), ("乙", None)], unit="%", max_value=100.0))
    ElementTree.fromstring(bars)
    assert "50.0%" in bars and "—" in bars
