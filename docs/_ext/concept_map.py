"""The summary page's concept map, drawn at build time in the page's language.

The map is a small directed graph of the chapter's ideas (which idea leads to
which), laid out left to right by :func:`pytorch_notes.draw.layout` and
drawn with matplotlib into the build's ``_static/concept-map.png``, with a
2x version for sharp screens, which the summary pages show with an
``<img srcset>``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
from sphinx.application import Sphinx

from pytorch_notes.draw import layout
from pytorch_notes.i18n import tr, use_language

# (id, English, Chinese, tutorial number)
CONCEPTS = [
    (
        "graph",
        "Computational graph\n(DAG: data nodes, operation edges)",
        "计算图\n（有向无环图：节点是数据，边是运算）",
        1,
    ),
    ("leaf", "Leaf nodes & grad_fn", "叶子节点与 grad_fn", 1),
    ("chain", "Chain rule\n(backward pass)", "链式法则\n（反向传播）", 1),
    ("dynamic", "Dynamic graph\n(define by running)", "动态图\n（边运算边搭建）", 2),
    (
        "static",
        "Static graph\n(define, then run: torch.fx)",
        "静态图\n（先搭建后运算：torch.fx）",
        2,
    ),
    (
        "backward",
        "backward(): grad_tensors,\nretain_graph, create_graph",
        "backward()：grad_tensors、\nretain_graph、create_graph",
        3,
    ),
    (
        "grad",
        "torch.autograd.grad\n& higher-order derivatives",
        "torch.autograd.grad\n与高阶导数",
        3,
    ),
    (
        "traps",
        "Traps: accumulation,\nno_grad/detach, in-place",
        "陷阱：梯度累加、\nno_grad/detach、原位操作",
        4,
    ),
    (
        "loop",
        "Training loop: forward, loss,\nbackward, step, zero_grad",
        "训练循环：前向、损失、\n反向、更新、清零",
        5,
    ),
    ("logreg", "Logistic regression\n& decision boundary", "逻辑回归\n与决策边界", 5),
]
LINKS = [
    ("graph", "leaf"), ("graph", "chain"), ("graph", "dynamic"), ("graph", "static"),
    ("chain", "backward"), ("dynamic", "backward"), ("backward", "grad"), ("backward", "traps"),
    ("traps", "loop"), ("grad", "loop"), ("loop", "logreg"),
]  # fmt: skip
COLOURS = {1: "#dbeafe", 2: "#ede9fe", 3: "#fef3c7", 4: "#fde2e2", 5: "#dcfce7"}


def draw_concept_map(lang: str, path: Path, dpi: int = 110) -> None:
    lang = use_language(lang)
    g = nx.DiGraph()
    g.add_nodes_from(c[0] for c in CONCEPTS)
    g.add_edges_from(LINKS)
    pos = layout(g, node_width=2.3, node_height=0.8, rank_gap=0.45)
    xs, ys = zip(*pos.values(), strict=True)
    width, height = (max(xs) - min(xs)) / 72 + 2.6, (max(ys) - min(ys)) / 72 + 1.6
    fig = plt.figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.9))
    ax.set_axis_off()
    boxes = {}
    for key, en, zh, number in CONCEPTS:
        x, y = pos[key]
        tutorial = tr(lang, en=f"tutorial {number:02d}", zh=f"第 {number:02d} 篇")
        boxes[key] = ax.text(
            x, y, f"{tr(lang, en=en, zh=zh)}\n[{tutorial}]", ha="center", va="center",
            fontsize=9, bbox=dict(boxstyle="round,pad=0.5", fc=COLOURS[number], ec="#334155"),
            zorder=2,
        )  # fmt: skip
    for u, v in LINKS:
        ax.annotate(
            "", xy=pos[v], xytext=pos[u], zorder=3,
            arrowprops=dict(arrowstyle="-|>", color="#475569", lw=1.1,
                            patchA=boxes[u].get_bbox_patch(), patchB=boxes[v].get_bbox_patch()),
        )  # fmt: skip
    ax.set_xlim(min(xs) - 95, max(xs) + 95)
    ax.set_ylim(min(ys) - 45, max(ys) + 45)
    ax.set_title(tr(lang, en="How the ideas connect", zh="概念之间的联系"), fontsize=13)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    fig.savefig(path.with_name(path.stem + "@2x.png"), dpi=2 * dpi)
    plt.close(fig)


def _on_builder_inited(app: Sphinx) -> None:
    lang = "zh" if app.config.language.startswith("zh") else "en"
    draw_concept_map(lang, Path(app.outdir) / "_static" / "concept-map.png")


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
