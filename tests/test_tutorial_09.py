"""Tutorial 09, an autograd engine of our own: what the built pages show, and the numbers recomputed.

The page tests read the outputs sphinx-gallery recorded when it executed
``gallery/{en,zh}/further/plot_09_your_own_autograd.py``. The reference values
are recomputed here without the tutorial's engine: by the chain rule written
out, by finite differences, or by the closed-form gradient of the binary
cross-entropy on tutorial 05's data.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from conftest import EN, OUT_DIRS, ZH, first_missing, printed_lines, soup
from torch import nn

from pytorch_notes.data import two_gaussians
from pytorch_notes.graph import backward_graph, record_gradients

PAGE = "tutorials/further/plot_09_your_own_autograd.html"

# What the page must print, in this order (other lines may come in between).
EXPECTED = [
    "engine:  y = 6.0, w.grad = 5.0, x.grad = 2.0",
    "PyTorch: y = 6.0, w.grad = tensor([5.]), x.grad = tensor([2.])",
    "engine gradients:         {'w': 5.0, 'x': 2.0, 'a': 2.0, 'b': 3.0}",
    "PyTorch, summed per node: {",
    "engine:  loss = ",
    "PyTorch: loss = ",
    "(p - y) * (x1, x2, 1)  = ",
    "  1 samples: engine ",
    "200 samples: engine ",
    "['AccumulateGrad', 'AccumulateGrad', 'AddmmBackward0', 'BinaryCrossEntropyBackward0',"
    " 'SigmoidBackward0', 'SqueezeBackward1', 'TBackward0']",
    # PyTorch's engine does not recurse; ours does, and hits Python's recursion limit
    "5000 additions: PyTorch's grad = tensor([1.])",
    "our engine: RecursionError",  # r4 review (B1): printed only if raised, else the page fails
    "saved by MulBackward0: tensor([3.], grad_fn=<AddBackward0>), tensor([2.], grad_fn=<AddBackward0>)",
    "w * c saves: None, tensor([2.])",  # a factor is saved only for the other's gradient
    "RuntimeError: Trying to backward through the graph a second time",
    "engine, x changed after the forward pass: w.grad = 100.0 (should be 2.0)",
    "v_t._version = 1",
    "RuntimeError: one of the variables needed for gradient computation has been modified"
    " by an inplace operation",
    # edits through .data and through a NumPy array sharing the memory are not counted,
    # and PyTorch silently uses the new value: .data is not the only hole
    "after .data and NumPy edits: v_t._version = 0, u_t.grad = tensor([100.]) (should be 2)",
    "engine: 0.839949, PyTorch: 0.839949",  # d tanh(2s)/ds at s = 0.5, as the exercise asks
    "backward() twice:              w.grad = 15.0",
    # r5 review (A3): cleared intermediates agree with PyTorch on the inputs only; a and b keep
    # the last pass's gradients, where PyTorch's retain_grad() accumulates (4 and 6)
    "backward_accumulating() twice: w.grad = 10.0, a.grad = 2.0, b.grad = 3.0",
    # kept intermediate gradients accumulate too, and w.grad is still 10
    "PyTorch, twice:                w.grad = tensor([10.]), a.grad = tensor([4.]), b.grad = tensor([6.])",
]


def lines_of(site: Path, out: str) -> list[str]:
    return printed_lines(site / out / PAGE)


def line_starting(lines: list[str], prefix: str) -> str:
    found = [line for line in lines if line.startswith(prefix)]
    assert found, f"no line starts with {prefix!r}"
    return found[0]


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d+", text)]


# -- the built pages --------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_prints_every_value_in_order(site: Path, out: str) -> None:
    missing = first_missing(EXPECTED, lines_of(site, out), prefix=True)
    assert missing is None, f"{out}/{PAGE} does not show {missing!r} where expected"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_logistic_step_matches_the_closed_form_gradient(site: Path, out: str) -> None:
    """Engine, PyTorch and (p - y)(x1, x2, 1) lines all show the gradient computed here."""
    torch.manual_seed(1)
    train_x, train_y = two_gaussians()
    linear = nn.Linear(2, 1).double()
    x, y = train_x[0].double(), train_y[0].double()
    with torch.no_grad():
        p = torch.sigmoid(linear.weight[0] @ x + linear.bias[0])
    expected = [(p - y) * x[0], (p - y) * x[1], p - y]
    loss = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    lines = lines_of(site, out)
    for prefix in ("engine:  loss = ", "PyTorch: loss = "):
        shown = numbers(line_starting(lines, prefix))
        assert shown[0] == pytest.approx(float(loss), abs=1e-6)
        assert shown[1:4] == pytest.approx([float(v) for v in expected], abs=1e-4)
    assert numbers(line_starting(lines, "(p - y) * (x1, x2, 1)"))[:3] == pytest.approx(
        [float(v) for v in expected], abs=1e-4
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_pytorch_graph_does_not_grow_with_the_batch_and_the_engine_does(
    site: Path, out: str
) -> None:
    lines = lines_of(site, out)
    one = re.findall(r"\d+", line_starting(lines, "  1 samples: engine"))
    many = re.findall(r"\d+", line_starting(lines, "200 samples: engine"))
    assert one[2] == many[2], "PyTorch's node count should not depend on the batch"
    assert int(many[1]) > 100 * int(one[1]) > 0


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_prints_no_warning(site: Path, out: str) -> None:
    """Our engine and PyTorch run without a warning (the rules every page keeps:
    tests/test_every_tutorial.py)."""
    assert not [line for line in lines_of(site, out) if "Warning" in line]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_draws_both_graphs_side_by_side(site: Path, out: str) -> None:
    page = site / out / PAGE
    images = soup(page).select("img.sphx-glr-single-img")
    assert len(images) == 1
    assert (page.parent / images[0]["src"]).is_file()
    assert (page.parent / images[0]["src"]).stat().st_size > 20_000


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_credits_micrograd(site: Path, out: str) -> None:
    links = {a.get("href") for a in soup(site / out / PAGE).select("a")}
    assert "https://github.com/karpathy/micrograd" in links


# -- the values, recomputed independently -----------------------------------


def test_seed_gradient_by_the_chain_rule_and_finite_differences() -> None:
    def y(w: float, x: float) -> float:
        return (w + x) * (w + 1)

    h = 1e-6
    assert (y(1 + h, 2) - y(1 - h, 2)) / (2 * h) == pytest.approx(5.0)
    assert (y(1, 2 + h) - y(1, 2 - h)) / (2 * h) == pytest.approx(2.0)
    a, b = 1 + 2, 1 + 1
    assert (b, a, b + a) == (2, 3, 5)  # dy/da, dy/db, dy/dw as the page's graph shows


def test_two_passes_without_clearing_intermediates_give_fifteen() -> None:
    """The engine's second pass adds 4 and 6 (stale a.grad, b.grad doubled) to w.grad = 5."""
    a, b = 1 + 2, 1 + 1
    first = b + a
    second = 2 * b + 2 * a  # y.grad reset to 1, a.grad = 2 + 2, b.grad = 3 + 3
    assert first + second == 15
    assert 2 * first == 10  # PyTorch, whose passes never read .grad back


def test_tanh_exercise_value() -> None:
    """The exercise asks for d tanh(2s)/ds at s = 0.5: 2 (1 - tanh(1)^2)."""
    t = math.tanh(2 * 0.5)
    assert f"{2 * (1 - t**2):.6f}" == "0.839949"


def test_order_check_catches_a_wrong_or_misplaced_value() -> None:
    printed = ["engine:  y = 6.0, w.grad = 5.0, x.grad = 2.0", "v_t._version = 1"]
    assert first_missing(printed, printed, prefix=True) is None
    assert first_missing(["engine:  y = 6.0, w.grad = 4.0"], printed, prefix=True) is not None
    assert first_missing(list(reversed(printed)), printed, prefix=True) is not None


@pytest.mark.parametrize(
    ("out", "second_pass", "only_one"),
    [
        (EN.out, "y_t.backward()  # the second pass", "One edit escapes the counter"),
        (ZH.out, "y_t.backward()  # 第二次反向传播", "只有一种修改能躲过计数器"),
    ],
)
def test_page_shows_what_its_prose_says(
    site: Path, out: str, second_pass: str, only_one: str
) -> None:
    """r2 review: the "second backward" error comes from a second backward() call; the
    counter misses every edit PyTorch cannot see, not only .data; the logit lesson is in 10."""
    page = soup(site / out / PAGE)
    text = page.get_text()
    assert second_pass in text
    assert only_one not in text
    assert "Tutorial 05 shows why" not in text and "第 05 篇 讲了为什么" not in text
    logit_links = [
        a.get_text()
        for a in page.select("a.reference.internal")
        if a.get("href", "").startswith("plot_11_loss_functions.html")
    ]
    assert {"Tutorial 11", "第 11 篇"} & set(logit_links)


@pytest.mark.parametrize(
    ("out", "comment"),
    [
        (EN.out, "d loss/d w0 = (p - y) x1, d loss/d w1 = (p - y) x2, d loss/d b = p - y"),
        # r6 E5: no Chinese word inside derivative notation
        (ZH.out, "损失对 w0 的导数 = (p - y) x1，对 w1 的导数 = (p - y) x2，对 b 的导数 = p - y"),
    ],
)
def test_pytorch_side_starts_from_the_logit(site: Path, out: str, comment: str) -> None:
    """r3 review: PyTorch's loss is the one a learner should write (from the logit; the
    closed-form test above checks its values), and the by-hand comment uses the page's
    own indices (z = w0 x1 + w1 x2 + b)."""
    text = soup(site / out / PAGE).get_text()
    assert "nn.functional.binary_cross_entropy_with_logits(logit_t, label)" in text
    assert "nn.functional.binary_cross_entropy(p_t, label)" not in text
    assert comment in text
    assert "w_i = (p - y) x_i" not in text


@pytest.mark.parametrize(
    ("out", "said"),
    [
        (
            EN.out,
            [
                "No recursion.",
                "nodes still to visit in queues of its own:",
                "limit does not apply",
                # r4 review (R4-A2): the walk nests per step deeper, the longest path bounds it
                "calls itself once for every step it goes deeper into the graph (on a chain,",
            ],
        ),
        (
            ZH.out,
            [
                "不用递归。",
                "用自己的队列记录还要访问的节点，不受 Python 这个上限的约束",
                "每往图里深入一层就递归调用一次（在一条链上，就是每个值一次）",
            ],
        ),
    ],
)
def test_page_says_pytorch_does_not_recurse(site: Path, out: str, said: list[str]) -> None:
    """r3 review (F1): the engine's recursive topological sort fails on a deep graph, PyTorch's
    engine does not; the printed lines (in EXPECTED) show both on the page's own chain."""
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words
    assert "longest path" not in prose and "最长的路径" not in prose


@pytest.mark.parametrize(
    ("out", "said", "unsaid"),
    [
        (
            EN.out,
            [
                "Write a backward that agrees with PyTorch on the inputs’ gradients.",
                "That agrees with PyTorch on the inputs only: our a and b then hold the last "
                "pass’s gradients (2 and 3); PyTorch’s retain_grad() accumulates them (4 and 6)",
                "The underscore attributes _saved_self and _saved_other show what a node "
                "saved; they are for looking only",
                "a constant node per Python number wrapped in a Value",
            ],
            ["Write a backward that agrees with PyTorch.", "a constant per wrapped Python"],
        ),
        (
            ZH.out,
            [
                "写一个在输入的梯度上与 PyTorch 一致的 backward",
                "这样只在输入上与 PyTorch 一致：我们的 a 和 b 里留下的是最后一次的梯度"
                "（2 和 3），而 PyTorch 用 retain_grad() 保留的梯度同样会累加（4 和 6）",
                "下划线开头的属性 _saved_self 和 _saved_other 显示节点保存了什么，只用来查看",
                "每个被包装成 Value 的 Python 数画成一个常数节点",  # r5 E2
                "结构相同：我们的三个运算",  # r5 E1: 形状 is a tensor's shape
                "调用过 retain_grad() 的张量写入 .grad",  # r5 E7
            ],
            ["写一个与 PyTorch 结果一致的", "被包起来的 Python 数", "形状相同：", "张量填 .grad"],
        ),
    ],
)
def test_round_five_claims(site: Path, out: str, said: list[str], unsaid: list[str]) -> None:
    """r5 review: Exercise 2's solution agrees with PyTorch on the inputs' gradients only
    (A3; the printed a.grad, b.grad in EXPECTED show it); the saved-tensor attributes are
    marked as underscore, inspection-only (C1); the zh wording (E1, E2, E7). The zh figure's
    misplaced edge note (D1) is tests/test_draw.py::test_an_edge_note_lies_across_no_other_arrow,
    which draws this page's backward graph at this page's size."""
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words
    for words in unsaid:
        assert words not in prose, words


@pytest.mark.parametrize(
    ("out", "said", "unsaid"),
    [
        (
            ZH.out,
            [
                "最后用代码逐一演示 PyTorch 做了、而它没做的那些事",  # r6 E4
                "损失对 w0 的导数 = (p - y) x1",  # r6 E5
            ],
            ["逐一跑一遍", "d 损失/d"],
        ),
    ],
)
def test_round_six_wording(site: Path, out: str, said: list[str], unsaid: list[str]) -> None:
    """r6 review, the zh wording: one does not “跑” a thing PyTorch does (E4); the by-hand
    gradient comment keeps Chinese words out of the d/d notation (E5)."""
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words
    for words in unsaid:
        assert words not in prose, words


def test_an_edge_carries_every_path_through_it() -> None:
    """r7 review (A2): the page's rule, on a graph where one edge lies on two paths.

    y = b * c with b = a + 1, c = 3a and a = 2w, at w = 1: the edge from w to a carries
    dy/da * da/dw = (c + 3b) * 2 = 30, the two paths' 12 and 18 summed, not one path's share.
    """
    w = torch.tensor([1.0], requires_grad=True)
    a = w * 2
    b, c = a + 1, a * 3
    y = b * c
    graph = backward_graph(y, names={"w": w, "a": a, "b": b, "c": c, "y": y})
    with record_gradients(graph):
        y.backward()
    sent = {
        (graph.nodes[u]["name"], graph.nodes[v]["name"]): d["grad"].item()
        for u, v, d in graph.edges(data=True)
    }
    assert sent[("w", "a")] == 30.0 == 2 * (6.0 + 3 * 3.0) and w.grad.item() == 30.0
    assert sent[("a", "b")] + sent[("a", "c")] == 15.0  # a's outgoing edges sum to dy/da


@pytest.mark.parametrize(
    ("out", "said", "unsaid"),
    [
        (
            EN.out,
            [
                "each edge stands for one use of a tensor and carries the gradient of y with "
                "respect to that tensor through that use"
            ],
            ["each edge carries one path's contribution", "every edge lies on one path only"],
        ),
        (
            ZH.out,
            [
                "每条边代表某个张量的一次使用，边上传的是 y 对该张量的梯度中经由这次使用的"
                "那一份（即该张量从这次使用出发、通往 y 的各条路径之和）"  # r10 E2
            ],
            ["每条边传递的是一条路径的贡献", "即从这里出发、从该张量到"],
        ),
    ],
)
def test_round_seven_claims(site: Path, out: str, said: list[str], unsaid: list[str]) -> None:
    """r7 review (A2): an edge carries the sum over every path through it; one path each is
    this example's special case (test_an_edge_carries_every_path_through_it)."""
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words
    for words in unsaid:
        assert words not in prose, words


def test_no_italic_chinese(site: Path) -> None:
    """r7 review (E3): italics on Chinese characters render as a synthetic slant; the zh page
    emphasises with bold or not at all."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    italic = [em.get_text() for em in soup(site / ZH.out / PAGE).select("em")]
    assert not [words for words in italic if cjk.search(words)], italic


# -- r10 review ----------------------------------------------------------------------------


def test_linear_makes_two_backward_nodes_on_a_batch() -> None:
    """r10 A3: TBackward0 and AddmmBackward0 are nn.Linear's nodes for a 2-D input (the
    page's torch_graph, even for 1 sample); a 1-D sample, as in the page's one-step check,
    adds a node of its own, so the page says "on a batch"."""
    torch.manual_seed(1)
    linear = nn.Linear(2, 1).double()

    def ops(x: torch.Tensor) -> list[str]:
        graph = backward_graph(linear(x).sum())
        return sorted(d["op"] for _, d in graph.nodes(data=True) if d["op"] != "SumBackward0")

    batch = ["AccumulateGrad", "AccumulateGrad", "AddmmBackward0", "TBackward0"]
    assert ops(torch.ones(1, 2, dtype=torch.float64)) == batch
    assert ops(torch.ones(200, 2, dtype=torch.float64)) == batch
    assert len(ops(torch.ones(2, dtype=torch.float64))) > len(batch)


def test_saved_tensors_hooks_see_what_the_node_saves() -> None:
    """r10 C2: the public hooks of tutorial 10 show what _saved_self / _saved_other show:
    w * c saves c only (w's gradient needs it; c needs none), (w + x)(w + 1) both sums."""
    w, x, c = (
        torch.tensor([v], requires_grad=g) for v, g in ((1.0, True), (2.0, True), (2.0, False))
    )

    def saved_by(fn) -> list[torch.Tensor]:
        saved: list[torch.Tensor] = []
        with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
            fn()
        return saved

    only = saved_by(lambda: w * c)
    assert len(only) == 1 and only[0].data_ptr() == c.data_ptr()
    assert (w * c).grad_fn._saved_self is None
    sums = saved_by(lambda: torch.mul(torch.add(w, x), torch.add(w, 1)))
    assert sorted(t.item() for t in sums) == [2.0, 3.0]


@pytest.mark.parametrize(
    ("out", "said", "unsaid"),
    [
        (
            EN.out,
            [
                "(on a batch, a 2-D input as here, nn.Linear alone makes two, TBackward0 for "
                "the transposed weight and AddmmBackward0)",  # A3
                "they are for looking only (the public saved_tensors_hooks of tutorial 10 see "
                "the same: w * c saves c)",  # C2
                "passes the gradients along in temporaries of its own",  # E3
                "Our engine’s scratch space is .grad itself",
            ],
            ["(nn.Linear alone makes two", "buffer"],
        ),
        (
            ZH.out,
            [
                "（输入为一批样本时，比如本例的二维张量，单是 nn.Linear 就有两个",  # A3, r11 E4
                "用的公开接口 saved_tensors_hooks 看到的也一样：w * c 只保存 c",  # C2
                "都用自己的临时变量传递梯度",  # E3
                "我们的引擎直接把 .grad 当作临时变量",
            ],
            ["（单是 nn.Linear 就有两个", "缓冲区"],
        ),
    ],
)
def test_round_ten_claims(site: Path, out: str, said: list[str], unsaid: list[str]) -> None:
    """r10 review: nn.Linear's two nodes are a batch's (A3, probed above); the public hooks
    beside the underscore attributes (C2); autograd's scratch storage is not called a buffer,
    the word the glossary keeps for nn.Module buffers (E3); the zh edge sentence (E2, in
    test_round_seven_claims)."""
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words
    for words in unsaid:
        assert words not in prose, words


@pytest.mark.parametrize(
    ("out", "said", "unsaid"),
    [
        (
            EN.out,
            [
                "Our engine’s scratch space is .grad itself: clearing every non-input’s .grad "
                "before the pass starts it fresh."
            ],
            ["clearing every non-input before the pass"],
        ),
        (
            ZH.out,
            [
                "在反向传播前把所有非输入值的 .grad 清零，每次就都从零开始",  # E1
                "（输入为一批样本时，比如本例的二维张量，单是 nn.Linear 就有两个",  # E4
            ],
            ["所有非输入的值清零", "即像这里这样的"],
        ),
    ],
)
def test_round_eleven_claims(site: Path, out: str, said: list[str], unsaid: list[str]) -> None:
    """r11 review (E1): Exercise 2's solution zeroes the non-inputs' .grad, not their values
    (the printed "backward_accumulating() twice" line checks the code); the zh batch clause
    reads plainly (E4)."""
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words
    for words in unsaid:
        assert words not in prose, words
