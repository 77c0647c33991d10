"""Process diagrams generated from the declarations — never drawn by hand.

`mermaid(workflow)` writes Mermaid `stateDiagram-v2` text (renders on GitHub/GitLab).
`svg(workflow, current=..., visited=...)` lays the states out with our own small layered layout
(top to bottom, longest-path layers, one barycentre pass against crossings) and returns a
self-contained SVG: no JavaScript, no external service, fonts from the page.  The case page calls it
with the current state highlighted.

    python manage.py workflow_diagrams            # or: make diagrams
writes docs/workflows/<process>.mmd and <process>.svg.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from yunjiao.workflows.engine import Transition, Workflow, all_workflows, role_labels

START = "__start__"
FONT = 14
LABEL_FONT = 12
NODE_H = 40
LAYER_GAP = 96
NODE_GAP = 48
MARGIN = 24


def text_width(text: str, size: int = FONT) -> float:
    """Approximate advance width: CJK and full-width punctuation one em, the rest 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


# ---------------------------------------------------------------------------- Mermaid
def _mermaid_label(text: str) -> str:
    return text.replace(":", "：").replace(";", "；").replace("\n", " ")


def mermaid(workflow: Workflow) -> str:
    lines = ["---", f"title: {workflow.label}（{workflow.name}）", "---", "stateDiagram-v2",
             "    direction TB"]
    for value, label in workflow.states.choices:
        lines.append(f"    {value}: {_mermaid_label(label)}")
    for t in workflow.transitions:
        tag = "（自动）" if t.automatic else ""
        label = _mermaid_label(t.label + tag)
        if t.starts_case:
            lines.append(f"    [*] --> {t.target}: {label}")
        else:
            for s in t.sources:
                lines.append(f"    {s} --> {t.target_for(s)}: {label}")
    for state in sorted(workflow.final):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- layout
@dataclass
class Node:
    key: str
    label: str
    layer: int = 0
    x: float = 0.0  # centre
    y: float = 0.0  # top
    w: float = 0.0

    @property
    def cx(self) -> float:
        return self.x

    @property
    def bottom(self) -> float:
        return self.y + NODE_H


@dataclass
class Edge:
    source: str
    target: str
    transition: Transition


GLOBAL_SOURCES = 4  # a side step allowed from this many states is listed under the diagram


def is_global(t: Transition) -> bool:
    """Side steps possible from many states (an agreed extension): a note, not N arrows."""
    return t.target is None and len(t.sources) >= GLOBAL_SOURCES


def _edges(workflow: Workflow) -> list[Edge]:
    edges = []
    for t in workflow.transitions:
        if is_global(t):
            continue
        if t.starts_case:
            edges.append(Edge(START, t.target, t))
        for s in t.sources:
            edges.append(Edge(s, t.target_for(s), t))
    return edges


def layout(workflow: Workflow) -> tuple[dict[str, Node], list[Edge], float, float]:
    states = [(str(v), str(lbl)) for v, lbl in workflow.states.choices]
    nodes = {START: Node(START, "开始")} | {k: Node(k, lbl) for k, lbl in states}
    edges = _edges(workflow)
    succ: dict[str, list[str]] = {k: [] for k in nodes}
    for e in edges:
        if e.source != e.target and e.target not in succ[e.source]:
            succ[e.source].append(e.target)

    # Depth-first from the start: edges to a node still on the stack are back edges.
    back: set[tuple[str, str]] = set()
    state_of: dict[str, int] = {}

    def visit(n: str) -> None:
        state_of[n] = 1
        for m in succ[n]:
            if state_of.get(m) == 1:
                back.add((n, m))
            elif m not in state_of:
                visit(m)
        state_of[n] = 2

    visit(START)
    for k in nodes:  # unreachable states (should not exist) still get drawn
        if k not in state_of:
            visit(k)

    # Longest path layering over the forward edges (a DAG now).
    order: list[str] = []
    seen: set[str] = set()

    def topo(n: str) -> None:
        seen.add(n)
        for m in succ[n]:
            if (n, m) not in back and m not in seen:
                topo(m)
        order.append(n)

    for k in nodes:
        if k not in seen:
            topo(k)
    order.reverse()
    for n in order:
        for m in succ[n]:
            if (n, m) not in back:
                nodes[m].layer = max(nodes[m].layer, nodes[n].layer + 1)

    layers: dict[int, list[str]] = {}
    declared = {k: i for i, k in enumerate(nodes)}
    for k in sorted(nodes, key=declared.get):
        layers.setdefault(nodes[k].layer, []).append(k)

    for node in nodes.values():
        node.w = 18 if node.key == START else max(96.0, text_width(node.label) + 32)

    # Place layer by layer; order each layer by the barycentre of its placed predecessors.
    preds: dict[str, list[str]] = {k: [] for k in nodes}
    for n, ms in succ.items():
        for m in ms:
            if (n, m) not in back:
                preds[m].append(n)
    width = 0.0
    for depth in sorted(layers):
        keys = layers[depth]
        if depth > 0:
            keys.sort(key=lambda k, d=depth: (_barycentre(nodes, preds[k], d), declared[k]))
        x = 0.0
        for k in keys:  # provisional, left-aligned: the next layer sorts against these
            nodes[k].x = x + nodes[k].w / 2
            x += nodes[k].w + NODE_GAP
        width = max(width, x - NODE_GAP)
    for depth, keys in layers.items():
        total = sum(nodes[k].w for k in keys) + NODE_GAP * (len(keys) - 1)
        shift = MARGIN + (width - total) / 2
        for k in keys:
            nodes[k].x += shift
            nodes[k].y = MARGIN + depth * (NODE_H + LAYER_GAP)
    height = MARGIN * 2 + (max(layers) + 1) * NODE_H + max(layers) * LAYER_GAP
    return nodes, edges, width + MARGIN * 2, height


def _barycentre(nodes: dict[str, Node], preds: list[str], depth: int) -> float:
    xs = [nodes[p].x for p in preds if nodes[p].layer < depth]
    return sum(xs) / len(xs) if xs else 1e9


# ---------------------------------------------------------------------------- SVG
COLORS = {
    "node": "#ffffff", "node_stroke": "#909399", "text": "#303133",
    "current": "#409eff", "current_text": "#ffffff", "visited": "#ecf5ff", "visited_stroke": "#79bbff",
    "final_stroke": "#67c23a", "edge": "#909399", "edge_auto": "#e6a23c", "edge_back": "#c0c4cc",
    "label": "#606266",
}


def _tooltip(t: Transition) -> str:
    parts = [t.label, f"办理：{role_labels(t.roles)}"]
    if t.all_documents:
        parts.append("文书：" + "、".join(t.document_titles))
    if t.deadline is None:
        parts.append("期限：结束计时")
    elif not isinstance(t.deadline, str):
        rule = t.deadline.rule if isinstance(t.deadline.rule, str) else "按案件情形"
        parts.append(f"期限规则：{rule}")
    if t.needs_note:
        parts.append("须填写说明")
    if t.needs_attachment:
        parts.append("须上传附件")
    return "；".join(parts)


def svg(workflow: Workflow, *, current: str | None = None, visited: set[str] | frozenset[str] = frozenset(),
        title: bool = True) -> str:
    """The process diagram as SVG text; `current` is filled, `visited` states are tinted."""
    nodes, edges, width, height = layout(workflow)
    right = max(n.x + n.w / 2 for n in nodes.values())
    left = min(n.x - n.w / 2 for n in nodes.values() if n.key != START)
    lane_count = 0
    min_x, max_x = 0.0, right + MARGIN
    paths: list[str] = []
    labels: list[str] = []
    loops: dict[str, int] = {}
    back_count = 0
    labelled: set[tuple[str, str]] = set()  # one label per (transition, target)
    into: dict[str, int] = {}

    def add_label(text: str, x: float, y: float, anchor: str, tip: str) -> None:
        nonlocal min_x, max_x
        w = text_width(text, LABEL_FONT)
        left = x - w if anchor == "end" else x
        min_x, max_x = min(min_x, left - 4), max(max_x, left + w + 4)
        labels.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{LABEL_FONT}" fill="{COLORS["label"]}" '
                      f'text-anchor="{anchor}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                      f'{escape(text)}{tip}</text>')

    for e in edges:
        s, t = nodes[e.source], nodes[e.target]
        tr = e.transition
        kind = "a" if tr.automatic else "n"
        color = COLORS["edge_auto"] if tr.automatic else COLORS["edge"]
        dash = ' stroke-dasharray="5 4"' if tr.automatic or tr.style != "primary" else ""
        tip = f"<title>{escape(_tooltip(tr))}</title>"
        if e.source == e.target:  # self-loop on the right side of the node
            i = loops.get(s.key, 0)
            loops[s.key] = i + 1
            x0, y0 = s.x + s.w / 2, s.y + NODE_H / 2
            d = (f"M{x0:.1f},{y0 - 8:.1f} C{x0 + 40:.1f},{y0 - 30:.1f} {x0 + 40:.1f},{y0 + 30:.1f} "
                 f"{x0 + 2:.1f},{y0 + 8:.1f}")
            lx, ly, anchor = x0 + 4, s.bottom + 14 + 14 * i, "start"
        elif t.layer == s.layer + 1:  # forward edge to the next row
            x0, y0 = s.x, s.bottom
            k = into.get(t.key, 0)
            into[t.key] = k + 1
            x1, y1 = t.x, t.y
            mid = (y0 + y1) / 2
            d = f"M{x0:.1f},{y0:.1f} C{x0:.1f},{mid:.1f} {x1:.1f},{mid:.1f} {x1:.1f},{y1 - 1:.1f}"
            anchor = "end" if x1 < x0 - 1 else "start"
            lx, ly = (x0 + x1) / 2 + (-8 if anchor == "end" else 6), mid + 4 + 14 * k
        elif t.layer > s.layer:  # a step that skips rows: around the left-hand side
            lane_count += 1
            x0, y0 = s.x - s.w / 2, s.y + NODE_H / 2
            x1, y1 = t.x - t.w / 2, t.y + NODE_H / 2
            bend = left - 30 - 26 * (lane_count % 3)
            d = f"M{x0:.1f},{y0:.1f} C{bend:.1f},{y0:.1f} {bend:.1f},{y1:.1f} {x1 - 2:.1f},{y1:.1f}"
            lx, ly, anchor = bend + 18, (y0 + y1) / 2 + 4, "end"
            min_x = min(min_x, bend - 10)
        else:  # back edge or same-layer edge: around the right-hand side
            back_count += 1
            kind = "a" if tr.automatic else "b"
            color = COLORS["edge_auto"] if tr.automatic else COLORS["edge_back"]
            x0, y0 = s.x + s.w / 2, s.y + NODE_H / 2
            x1, y1 = t.x + t.w / 2, t.y + NODE_H / 2
            bend = right + 30 + 26 * (back_count % 3)
            d = f"M{x0:.1f},{y0:.1f} C{bend:.1f},{y0:.1f} {bend:.1f},{y1:.1f} {x1 + 2:.1f},{y1:.1f}"
            lx, ly, anchor = bend - 22, (y0 + y1) / 2 + 4, "start"
            max_x = max(max_x, bend + 10)
        paths.append(f'<g class="edge"><path d="{d}" fill="none" stroke="{color}" stroke-width="1.4"{dash} '
                     f'marker-end="url(#arrow-{kind})"/>{tip}</g>')
        if (tr.name, e.target) not in labelled:
            labelled.add((tr.name, e.target))
            add_label(tr.label + ("（自动）" if tr.automatic else ""), lx, ly, anchor, tip)

    notes = [t for t in workflow.transitions if is_global(t)]
    note_lines = []
    for t in notes:
        states = "、".join(workflow.state_label(x) for x in t.sources)
        note_lines.append(f"↻ {t.label}：在{states}时均可办理，状态不变")
    for line in note_lines:
        max_x = max(max_x, MARGIN + text_width(line, LABEL_FONT) + MARGIN)

    top = 28 if title else 0
    bottom = height + 18 * len(note_lines)
    vx, vw, vh = min_x - MARGIN / 2, max_x - min_x + MARGIN, bottom + top
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{vx:.0f} 0 {vw:.0f} {vh:.0f}" '
        f'width="{vw:.0f}" height="{vh:.0f}" role="img" '
        f'aria-label="{escape(workflow.label)}流程图" class="workflow-diagram" '
        f'font-family="\'Noto Sans CJK SC\',\'Microsoft YaHei\',\'PingFang SC\',sans-serif">',
        "<defs>",
        *(f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
          f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
          for name, color in (("n", COLORS["edge"]), ("a", COLORS["edge_auto"]), ("b", COLORS["edge_back"]))),
        "</defs>",
    ]
    if title:
        out.append(f'<text x="{vx + MARGIN / 2:.0f}" y="20" font-size="16" font-weight="bold" '
                   f'fill="{COLORS["text"]}">{escape(workflow.label)}</text>')
    out.append(f'<g transform="translate(0,{top})">')
    out.extend(paths)
    for n in nodes.values():
        if n.key == START:
            out.append(f'<circle cx="{n.x:.1f}" cy="{n.y + NODE_H - 9:.1f}" r="9" fill="{COLORS["text"]}">'
                       f"<title>开始</title></circle>")
            continue
        fill, stroke, color, sw = COLORS["node"], COLORS["node_stroke"], COLORS["text"], 1.2
        if n.key in visited:
            fill, stroke = COLORS["visited"], COLORS["visited_stroke"]
        if n.key in workflow.final:
            stroke, sw = COLORS["final_stroke"], 2.2
        cls = "state"
        if n.key == current:
            fill, stroke, color, sw = COLORS["current"], COLORS["current"], COLORS["current_text"], 2.5
            cls = "state current"
        x = n.x - n.w / 2
        bold = ' font-weight="bold"' if n.key == current else ""
        out.append(f'<g class="{cls}" data-state="{escape(n.key)}"><rect x="{x:.1f}" y="{n.y:.1f}" '
                   f'width="{n.w:.1f}" height="{NODE_H}" rx="8" fill="{fill}" stroke="{stroke}" '
                   f'stroke-width="{sw}"/><text x="{n.x:.1f}" y="{n.y + NODE_H / 2 + 5:.1f}" '
                   f'font-size="{FONT}" text-anchor="middle" fill="{color}"{bold}>'
                   f'{escape(n.label)}</text></g>')
    out.extend(labels)
    for i, line in enumerate(note_lines):
        out.append(f'<text x="{MARGIN}" y="{height + 4 + 18 * i:.0f}" font-size="{LABEL_FONT}" '
                   f'fill="{COLORS["label"]}">{escape(line)}</text>')
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def write_all(directory: Path) -> list[Path]:
    """Write <process>.mmd and <process>.svg for every declared process; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for wf in all_workflows():
        for suffix, text in ((".mmd", mermaid(wf)), (".svg", svg(wf))):
            path = directory / f"{wf.name}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
