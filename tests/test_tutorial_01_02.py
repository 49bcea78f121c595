"""Tutorials 01 (computational graph) and 02 (dynamic vs static graphs), as built.

Each test reads the pages sphinx-gallery executed, in both languages. Most
expected lines are the values the math gives (tutorial 01's ``w.grad = 5``, the
chain rule's 2 and 3); where a line reports what torch itself decides (which
tensors are leaves, autograd's choice at a kink) the test asks the installed
torch again, so the page must show what torch does, not what the page asserts.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from conftest import EN, GALLERY, OUT_DIRS, ZH, printed, soup

PAGE_01 = "tutorials/core/plot_01_computational_graph.html"
PAGE_02 = "tutorials/core/plot_02_dynamic_graphs.html"


def text(site: Path, out: str, page: str) -> str:
    return printed(site / out / page)


def prose(path: Path) -> str:
    """The page's text without its code blocks and outputs."""
    html = copy.copy(soup(path))  # soup() is shared between tests: change a copy
    for block in html.select("div.highlight, pre, script, style"):
        block.decompose()
    return " ".join(html.get_text(" ", strip=True).split())


def assert_in_order(shown: str, expected: list[str], where: str) -> None:
    """Every line of ``expected`` appears in ``shown``, in this order."""
    position = 0
    for line in expected:
        found = shown.find(line, position)
        assert found >= 0, f"{where} does not show {line!r} (after position {position})"
        position = found + len(line)


def describe(name: str, t: torch.Tensor) -> str:
    """The line tutorial 01's ``describe`` prints, computed here from torch itself."""
    fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    return f"{name}: is_leaf={t.is_leaf!s:<5}  requires_grad={t.requires_grad!s:<5}  grad_fn={fn}"


# -- tutorial 01 -------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_forward_values_and_the_refined_graph(site: Path, out: str) -> None:
    shown = text(site, out, PAGE_01)
    assert_in_order(
        shown,
        [
            "a = tensor([3.], grad_fn=<AddBackward0>)",
            "b = tensor([2.], grad_fn=<AddBackward0>)",
            "y = tensor([6.], grad_fn=<MulBackward0>)",
            # data nodes and operation nodes; the multiplication has two incoming edges
            "nodes by kind: {'const': 1, 'op': 3, 'tensor': 5}",
            "edges into ×: ['a', 'b']",
            # autograd's graph: operations and AccumulateGrad only
            "autograd's nodes: ['AccumulateGrad', 'AccumulateGrad', 'AddBackward0', "
            "'AddBackward0', 'MulBackward0']",
            "w.grad = tensor([5.])",
            "x.grad = tensor([2.])",
        ],
        f"{out}/{PAGE_01}",
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_leaves_are_the_tensors_without_grad_fn(site: Path, out: str) -> None:
    shown = text(site, out, PAGE_01)
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a, b = w + x, w + 1
    y = a * b
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    u = torch.tensor([3.0, 4.0])
    s, v, m = t * 2, u * 2, t * u
    with torch.no_grad():
        n = t * 2
    d, c = t.detach(), t > 0
    expected = [describe(k, tensor) for k, tensor in zip("wxaby", (w, x, a, b, y), strict=True)]
    expected += [
        describe(k, tensor) for k, tensor in zip("tusvmndc", (t, u, s, v, m, n, d, c), strict=True)
    ]
    assert_in_order(shown, expected, f"{out}/{PAGE_01}")
    # the facts the page teaches, spelled out: t * 2 is no leaf; u * 2 is one
    assert "s: is_leaf=False  requires_grad=True   grad_fn=MulBackward0" in shown
    assert "v: is_leaf=True   requires_grad=False  grad_fn=None" in shown
    assert "n: is_leaf=True   requires_grad=False  grad_fn=None" in shown
    # the rule's other conditions: detach() and a boolean result record nothing
    assert "d: is_leaf=True   requires_grad=False  grad_fn=None" in shown
    assert "c: is_leaf=True   requires_grad=False  grad_fn=None" in shown
    # AccumulateGrad only for a leaf that requires grad: the constant and u leave None
    assert "y.grad_fn links to ['AddBackward0', 'AddBackward0']" in shown
    assert "a.grad_fn to ['AccumulateGrad', 'AccumulateGrad']" in shown
    assert (
        "b.grad_fn links to ['AccumulateGrad', None], m.grad_fn to ['AccumulateGrad', None]"
        in shown
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_intermediate_gradients_and_the_second_pass(site: Path, out: str) -> None:
    shown = text(site, out, PAGE_01)
    assert_in_order(
        shown,
        [
            "a.grad = None, b.grad = None",
            "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.",
            # the second pass's error is tutorial 03's (linked): here, a new graph
            "a.grad = tensor([2.]), b.grad = tensor([3.]), w.grad = tensor([5.])",
            # exercises
            "w.grad = tensor([6.]), x.grad = tensor([2.])",
            "w * v: is_leaf=False  requires_grad=True   grad_fn=MulBackward0",
            "z: is_leaf=False  requires_grad=True   grad_fn=SumBackward0",
            "w.grad = tensor([3., 4.]), v.grad = None",
        ],
        f"{out}/{PAGE_01}",
    )
    # w.grad is 5 after the retained-grad rerun too: the tutorial resets it
    assert shown.count("w.grad = tensor([5.])") == 2
    assert "tensor([10.])" not in shown


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_scalar_start_and_stop_gradient(site: Path, out: str) -> None:
    """A vector output needs a sum before backward(); detach() stops the gradient."""
    shown = text(site, out, PAGE_01)
    q = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as raised:
        (q * 3).backward()
    assert_in_order(
        shown,
        [
            f"RuntimeError: {raised.value}",
            "q.grad = tensor([3., 3.])",
            "d(r * r)/dr          = tensor([6.])",
            "d(r * r.detach())/dr = tensor([3.])",
        ],
        f"{out}/{PAGE_01}",
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_prose_states_the_rule_with_its_conditions(site: Path, out: str) -> None:
    """Review r1-01-02 A1, A2, A3, A12: the corrected sentences are on the page."""
    page = prose(site / out / PAGE_01)
    if out == EN.out:
        wanted = [
            "floating-point or complex dtype",
            "what makes one is that autograd recorded the operation",
            "contributions, 2 and 3",
            "stop-gradient",
        ]
        banned = ["in two ways", "it depends on a leaf that requires grad"]
    else:
        wanted = ["浮点或复数", "自动求导有没有", "分别是两条路径的贡献 2 和 3", "停止梯度"]
        banned = ["有两种情况", '"']
    for phrase in wanted:
        assert phrase in page, phrase
    for phrase in banned:
        assert phrase not in page.split("Exercises")[0].split("练习")[0], phrase


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_the_requires_grad_rule_is_scoped_and_its_limits_shown(site: Path, out: str) -> None:
    """Review r2-01-02 A3, A7, D1, E5-E7, F3: the rule's scope, its exceptions shown by torch."""
    shown = text(site, out, PAGE_01)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        view = t[:1]
    expected = [
        describe("zeros_like(t)", torch.zeros_like(t)),
        describe("histc(t)", torch.histc(t, bins=3)),
        describe("view", view),
    ]
    (view * 10).sum().backward()
    expected.append(f"after backward: view.grad = {view.grad}, t.grad = {t.grad}")
    with pytest.raises(RuntimeError) as raised:
        torch.tensor([1, 2], requires_grad=True)
    expected.append(f"RuntimeError: {raised.value}")
    assert_in_order(shown, expected, f"{out}/{PAGE_01}")
    # what the prose says about these lines is what they show
    assert "zeros_like(t): is_leaf=True   requires_grad=False  grad_fn=None" in shown
    assert "histc(t): is_leaf=True   requires_grad=False  grad_fn=None" in shown
    assert "view: is_leaf=True   requires_grad=True   grad_fn=None" in shown
    assert "after backward: view.grad = None, t.grad = None" in shown
    page = prose(site / out / PAGE_01)
    if out == EN.out:
        wanted = [
            "for an ordinary differentiable operation",
            "requires grad exactly when",
            "The rule has limits on both sides",
            "every differentiable calculation",
            "empty so far, so they now hold exactly these derivatives",
        ]
        banned = ["So the rule is: an operation's result requires grad when", "and stores"]
    else:
        wanted = [
            "对普通的可求导运算",
            "三者同时成立时结果需要梯度，否则不需要",
            "这条规则在两个方向上都有例外",
            "每一步可求导运算",
            "两者此前都是空的",
        ]
        banned = [
            "结果才需要梯度",
            "带不了梯度",
            "阻断梯度",  # r3 D1: one term, 停止梯度, as on every other page
            "没法",
            "被 detach 的",
            "让梯度停止",
            "在计算中间",
            "存进",
        ]
    for phrase in wanted:
        assert phrase in page, phrase
    for phrase in banned:
        assert phrase not in page, phrase


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_says_which_way_the_arrows_point_and_who_fills_grad(site: Path, out: str) -> None:
    """Review r3-01-02 A4, A5, E3: the backward graph's arrows point the forward way and the
    pass walks against them; only by default do leaves alone get .grad (retain_grad)."""
    page = prose(site / out / PAGE_01)
    if out == EN.out:
        wanted = [
            "Its arrows point the way data flowed in the forward pass",
            "walks them against the arrows, from MulBackward0 to the AccumulateGrad nodes",
            "the two edges at AccumulateGrad for w",
            "By default the backward pass fills .grad only for leaves that require grad; "
            "retain_grad() makes an intermediate tensor keep its own",
        ]
        banned = ["two edges into AccumulateGrad", "Only leaves that require grad can hold"]
    else:
        wanted = [
            "沿前向传播时数据流动的方向",
            "箭头走，从 MulBackward0 走到各个 AccumulateGrad 节点",
            "w 的 AccumulateGrad 节点的两条边上",
            "默认情况下，反向传播只为需要梯度的叶子节点填写 .grad",
        ]
        banned = ["指向 w 的 AccumulateGrad", "才可能有 .grad"]
    for phrase in wanted:
        assert phrase in page, phrase
    for phrase in banned:
        assert phrase not in page, phrase
    # the page prints a non-leaf's kept gradient and a leaf's empty one, as the recap says
    shown = text(site, out, PAGE_01)
    assert "a.grad = tensor([2.])" in shown
    assert "after backward: view.grad = None" in shown


# -- tutorial 02 -------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_where_keeps_both_branches_and_fx_fails_on_shape_too(site: Path, out: str) -> None:
    """Review r2-01-02 A4, A5, A6, F1: torch.where traces with both branches; shape breaks fx."""
    from torch.fx import symbolic_trace

    shown = text(site, out, PAGE_02)

    def branchy_where(x: torch.Tensor) -> torch.Tensor:
        y = x * 2
        return torch.where(y.sum() > 0, y * y, -y)

    both = symbolic_trace(branchy_where)
    targets = [getattr(node.target, "__name__", node.target) for node in both.graph.nodes]
    assert "where" in targets and "mul" in targets and "neg" in targets
    assert_in_order(
        shown,
        [
            "TraceError: symbolically traced variables cannot be used as inputs to control flow",
            f"traced: {targets}",
            "x = 1.5: dz/dx = tensor([12.])",
            "x = -1.5: dz/dx = tensor([-2.])",
            "double_until_ten: TraceError: symbolically traced variables",
            "on_shape: TraceError: symbolically traced variables",
        ],
        f"{out}/{PAGE_02}",
    )
    page = prose(site / out / PAGE_02)
    if out == EN.out:
        wanted = ["in two ways", "shape or dtype", "with no Python code that needs a real value"]
        wanted += ["a topological order of the forward direction"]
        banned = ["keep both branches only through", "depends on values", "do not depend on"]
        banned += ["no Python decision depends on the input", "every node after its inputs"]
    else:
        wanted = ["有两种办法", "形状或 dtype", "没有哪段 Python 代码需要从输入取出真实的值"]
        wanted += ["《Autograd mechanics》", "前向方向上的一种 拓扑顺序"]  # r5 F3: a link now
        banned = ["只能借助", "依赖数值", "运算不依赖数据", "自动求导说明把"]
        banned += ["没有哪个 Python 判断依赖输入", "每个节点都排在它的输入之后"]
    for phrase in wanted:
        assert phrase in page, phrase
    for phrase in banned:
        assert phrase not in page, phrase


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_trace_is_not_the_backward_graph(site: Path, out: str) -> None:
    shown = text(site, out, PAGE_02)
    assert_in_order(
        shown,
        [
            "positive input, operations: ['mul', 'sum', 'gt', 'mul']",
            "negative input, operations: ['mul', 'sum', 'gt', 'neg']",
            "x = 1.5: trace          ['mul', 'sum', 'gt', 'mul']",
            "x = 1.5: backward graph ['AccumulateGrad', 'MulBackward0', 'MulBackward0']",
            "x = -1.5: trace          ['mul', 'sum', 'gt', 'neg']",
            "x = -1.5: backward graph ['AccumulateGrad', 'MulBackward0', 'NegBackward0']",
            "total.grad_fn = SumBackward0",
            # y * y: two edges to one node
            "z.grad_fn.next_functions: ['MulBackward0', 'MulBackward0']",
            "the same node twice: True",
            "x = 1.5:  dz/dx = tensor([12.])",
            "x = -1.5: dz/dx = tensor([-2.])",
        ],
        f"{out}/{PAGE_02}",
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_loops_static_graph_and_exercises(site: Path, out: str) -> None:
    shown = text(site, out, PAGE_02)
    assert_in_order(
        shown,
        [
            "start =  1.0: 4 multiplications recorded",
            # the loop tests the absolute value: a negative start doubles too
            "start = -1.0: 4 multiplications recorded",
            "start =  3.0: 2 multiplications recorded",
            "start = 20.0: 0 multiplications recorded",
            "call_function[target=torch.tanh]",
            "static(x) = tensor([1.4621, 0.0360])",
            # the fx graph is a forward graph: autograd records as it runs
            "static(tracked).grad_fn = AddBackward0",
            "TraceError: symbolically traced variables cannot be used as inputs to control flow",
            "operations: ['mul', 'sum', 'gt', 'neg'], dz/dx = tensor([-2.])",
            "slope from the right = 0.004, from the left = -2.000",
        ],
        f"{out}/{PAGE_02}",
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_autograd_chooses_a_value_at_a_kink(site: Path, out: str) -> None:
    """The page shows what the installed torch returns at 0, asked again here."""
    shown = text(site, out, PAGE_02)
    kinks = {
        "relu(t)": torch.relu,
        "t.clamp(min=0)": lambda t: t.clamp(min=0),
        "maximum(t, 0)": lambda t: torch.maximum(t, torch.zeros_like(t)),
        "abs(t)": torch.abs,
    }
    chosen = {}
    for name, f in kinks.items():
        t = torch.tensor([0.0], requires_grad=True)
        f(t).backward()
        chosen[name] = t.grad.item()
        assert f"{name}: gradient at 0 = {t.grad.item()}" in shown, name
    # the lesson holds only if the spellings of max(t, 0) really disagree: relu and
    # maximum do on every torch; clamp sides with one of them (1 up to 2.13, 0 from 2.14:
    # probed on 2.4.1, 2.13.0, 2.14.1 and 2.15.0), and the page asserts exactly that
    assert chosen["relu(t)"] != chosen["maximum(t, 0)"]
    assert chosen["t.clamp(min=0)"] == (1.0 if torch.__version__ < (2, 14) else 0.0)
    script = (GALLERY / EN.gallery / "core" / "plot_02_dynamic_graphs.py").read_text(
        encoding="utf-8"
    )
    assert "(1.0 if release < (2, 14) else 0.0)" in script  # r3 B1: it can fail
    assert 'torch.__version__.split("+")[0].split(".")[:2]' in script  # r4 B1: release numbers only


@pytest.mark.parametrize(
    ("out", "said"), [(EN.out, "0 from torch 2.14 on"), (ZH.out, "从 torch 2.14 起取 0")]
)
def test_02_says_that_clamps_choice_changed_between_releases(
    site: Path, out: str, said: str
) -> None:
    """clamp(min=0)'s gradient at 0 is 1 on torch <= 2.13 and 0 from 2.14: the page says so."""
    prose = " ".join(soup(site / out / PAGE_02).get_text().split())
    assert " ".join(said.split()) in prose


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_round_3_claims_are_on_the_page(site: Path, out: str) -> None:
    """Review r3-01-02 A4, A7, F1, F3, E4-E6: each corrected sentence, and the output that
    shows the where() claim (both branches are differentiated: NaN from sqrt at 0)."""
    x = torch.tensor([0.0], requires_grad=True)
    torch.where(x > 0, x.sqrt(), 0.0).backward()
    assert x.grad.isnan().all()
    shown = text(site, out, PAGE_02)
    assert f"where(x > 0, x.sqrt(), 0) at x = 0: dz/dx = {x.grad}" in shown
    page = prose(site / out / PAGE_02)
    if out == EN.out:
        wanted = [
            "backward() visits it in the reverse order, from z.grad_fn to AccumulateGrad",
            "Both branches run, though, and both are differentiated",
            "sees the real input",  # ’s: Sphinx's smart quotes
            "shape and dtype, so it can specialise on them and guard them",
        ]
        banned = ["so they don't fire again", "What backward() follows"]
    else:
        wanted = [
            "backward() 访问它的顺序正好相反，从 z.grad_fn 走到 AccumulateGrad",
            "不过两条分支都会执行，也都会求导",
            "它看得到真实输入的形状和 dtype",
            "计算图在运算执行时随之记录，搭建与计算同步进行",
            "提前捕获反向图由 AOTAutograd 负责",
        ]
        banned = ["免得它们以后再被触发", "是 AOTAutograd 的事", "同时进行"]
        # a code comment (E5): read in the script, the page's code blocks hold it too
        script = (GALLERY / ZH.gallery / "core" / "plot_02_dynamic_graphs.py").read_text("utf-8")
        assert "在没有图形界面的环境里（非交互式后端）" in script and "没有显示器" not in script
    for phrase in wanted:
        assert phrase in page, phrase
    for phrase in banned:
        assert phrase not in page, phrase


# -- both pages ----------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_pages_show_their_figures(site: Path, out: str) -> None:
    """01 draws the forward and the backward graph; 02 draws three figures and replays one."""
    for page, figures in ((PAGE_01, 2), (PAGE_02, 3)):
        path = site / out / page
        images = soup(path).select("img.sphx-glr-single-img")
        assert len(images) >= figures, page
        for img in images:
            assert (path.parent / img["src"]).is_file()
    # the replay of a graph growing belongs to the define-by-run page
    html = (site / out / PAGE_02).read_text(encoding="utf-8")
    assert "sphx-glr-animation" in html
    player = soup(site / out / PAGE_02).select_one("div.animation[data-pn-frames]")
    assert len(player["data-pn-frames"].split()) >= 2


@pytest.mark.parametrize("out", OUT_DIRS)
@pytest.mark.parametrize("page", [PAGE_01, PAGE_02])
def test_pages_open_with_assumptions_and_leave_an_empty_cell(
    site: Path, out: str, page: str
) -> None:
    html = soup(site / out / page)
    body = html.select_one("article") or html
    first = body.get_text(" ", strip=True)[:1200]
    assert ("What this assumes" if out == EN.out else "前置知识") in first, page
    # an exercise asks for code in an empty cell: a code block holding one comment only
    blocks = [pre.get_text().strip() for pre in body.select("div.highlight-Python pre")]
    empty = "# Your code here." if out == EN.out else "# 在这里写你的代码。"
    assert empty in blocks, f"{out}/{page}: no empty cell for the reader's code"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_refined_definition_is_flagged_on_page_and_in_the_glossary(
    site: Path, out: str
) -> None:
    flag = "refines that definition" if out == EN.out else "对这个定义做了细化"
    page = soup(site / out / PAGE_01).get_text(" ", strip=True)
    assert flag in page
    glossary = soup(site / out / "glossary.html").get_text(" ", strip=True)
    assert "AccumulateGrad" in glossary and "grad_fn" in glossary


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_prose_matches_what_the_page_shows(site: Path, out: str) -> None:
    """Review r1-01-02 A4, A5, A17: no claim the page's own output contradicts."""
    page = prose(site / out / PAGE_02)
    if out == EN.out:
        wanted = ["was not computed from them", "absolute value", "torch.cond"]
        banned = ["can hold only one", "impossible when the path depends on values"]
    else:
        wanted = ["不是由它们算出的", "绝对值", "torch.cond", "边运行边搭建"]
        banned = ["只能容纳一条", "无能为力", "边运算边搭建", "反向计算图", '"']
    for phrase in wanted:
        assert phrase in page, phrase
    for phrase in banned:
        assert phrase not in page.split("Exercises")[0].split("练习")[0], phrase


@pytest.mark.parametrize("out", OUT_DIRS)
def test_summary_and_glossary_state_rules_with_their_conditions(site: Path, out: str) -> None:
    """Review r1-01-02 A1, A6-A8, A13, A14, B1, E1-E4: the false rows are gone."""
    summary = prose(site / out / "summary.html")
    glossary = prose(site / out / "glossary.html")
    if out == EN.out:
        for phrase in ["floating-point or complex", "validation set", "out of the optimizer"]:
            assert phrase in summary, phrase
        for phrase in [
            "avoids one per shape",
            "can never enter a graph",
            "when it depends on a leaf that requires grad",
            "requires_grad_(False) to freeze",
        ]:
            assert phrase not in summary, phrase
        assert "floating-point or complex" in glossary
        assert "normalised gradient" in glossary
        assert "the trailing underscore marks them" not in glossary
    else:
        for phrase in ["浮点或复数", "验证集", "不把它交给优化器", "以高置信度判错", "类别索引"]:
            assert phrase in summary, phrase
        for phrase in ["logits", "错得很自信", "反向计算图", "反向传播图", "坑", '"']:
            assert phrase not in summary, phrase
        assert "浮点或复数" in glossary and "归一化后的梯度" in glossary
        for phrase in ["结尾的下划线就是标记", "边运算边搭建", '"']:
            assert phrase not in glossary, phrase


@pytest.mark.parametrize("out", OUT_DIRS)
def test_summary_and_glossary_say_what_pages_01_and_02_print(site: Path, out: str) -> None:
    """Review r3-01-02 A1-A4, E2, E7: the summary and glossary restate the pages' own
    corrected sentences, not the rules the pages' output contradicts."""
    summary = prose(site / out / "summary.html")
    glossary = prose(site / out / "glossary.html")
    # what the pages print, which the old sentences contradicted
    shown_01, shown_02 = text(site, out, PAGE_01), text(site, out, PAGE_02)
    assert "view: is_leaf=True   requires_grad=True   grad_fn=None" in shown_01
    assert "traced: ['x', 'mul', 'sum', 'gt', 'mul', 'neg', 'where', 'output']" in shown_02
    assert "on_shape: TraceError" in shown_02
    if out == EN.out:
        for phrase in [
            "For an ordinary differentiable operation",
            "a view taken under no_grad() are outside the rule",
            "By default a backward pass fills .grad only for leaves that require grad",
            "even its shape or dtype",
            "torch.where keeps both branches in one traceable graph",
            "MulBackward0 → MulBackward0 → AccumulateGrad",
            "catches up by iteration 100",
        ]:
            assert phrase in summary, phrase
        for phrase in [
            "exactly when autograd recorded the operation",
            "depends on values",
            "AccumulateGrad, MulBackward0, MulBackward0",
            "MSE stalls",
        ]:
            assert phrase not in summary, phrase
        for phrase in [
            "For an ordinary differentiable operation",
            "By default a backward pass fills .grad only for leaves that require grad",
            "adds it into tensor.grad",
            "walks them the other way",
        ]:
            assert phrase in glossary, phrase
        for phrase in ["exactly when autograd recorded", "stores it in"]:
            assert phrase not in glossary, phrase
    else:
        for phrase in [
            "对普通的可求导运算",
            "no_grad() 下取的视图不在此列",
            "默认只为需要梯度的叶子节点填写 .grad",
            "甚至形状或 dtype",
            "torch.where 能把两条分支留在一张可追踪的图里",
            "MulBackward0 → MulBackward0 → AccumulateGrad",
            "无法用一条边表示",
            "dtype 不支持梯度",
        ]:
            assert phrase in summary, phrase
        for phrase in ["当且仅当", "依赖数值", "才能同时保留", "停滞", "没法", "带不了梯度"]:
            assert phrase not in summary, phrase
        for phrase in ["对普通的可求导运算", "累加进", "逆着箭头走", "dtype 不支持梯度"]:
            assert phrase in glossary, phrase
        for phrase in ["当且仅当", "存进", "带不了梯度"]:
            assert phrase not in glossary, phrase


@pytest.mark.parametrize(
    ("out", "terms"),
    [
        (EN.out, ["grad mode", "no-grad mode", "inference mode", "inference tensor",
                "version counter", "trace"]),
        (ZH.out, ["梯度模式", "无梯度模式", "推理模式", "推理张量", "版本计数器", "执行记录"]),
    ],
)  # fmt: skip
def test_glossary_has_the_terms_the_course_uses(site: Path, out: str, terms: list[str]) -> None:
    """Issue 19 item 5, review r3-01-02 F2: grad modes, inference tensors, the version
    counter and the trace have entries, and pages 01/02 link their first use."""
    defined = {
        dt.get_text(" ", strip=True).removesuffix("¶").strip()
        for dt in soup(site / out / "glossary.html").select("dt")
    }
    for term in terms:
        assert term in defined, term
    # the zh entry gives the English name too, and no note to authors is left in it
    glossary = prose(site / out / "glossary.html")
    assert "no-grad mode" in glossary and "第一次出现时写作" not in glossary
    for page, term in ((PAGE_01, terms[0]), (PAGE_02, terms[-1])):
        links = soup(site / out / page).select("a.reference")
        assert any(
            "glossary.html#term-" in a.get("href", "") and a.get_text(strip=True) == term
            for a in links
        ), (page, term)


def test_zh_index_describes_the_summary_in_plain_chinese(site: Path) -> None:
    """Review r3-01-02 E1 (zh only; en is the reference)."""
    page = prose(site / ZH.out / "index.html")
    assert "一页纵览全课程的概念" in page
    assert "把课程的概念放在一页上" not in page


# -- review r5-0102 ------------------------------------------------------------------


def _fx_silent_lines() -> list[str]:
    """The lines page 02 prints for fx's silent cases, computed here from torch itself."""
    from torch.fx import symbolic_trace

    def on_dtype(x: torch.Tensor) -> torch.Tensor:
        return x * 2 if x.dtype is torch.float32 else x

    def noisy(x: torch.Tensor) -> torch.Tensor:
        return x + torch.randn(1)

    torch.manual_seed(0)
    ones = torch.ones(1)
    lines = []
    for f in (on_dtype, noisy):
        traced = symbolic_trace(f)
        eager = [round(f(ones).item(), 4) for _ in range(2)]
        replayed = [round(traced(ones).item(), 4) for _ in range(2)]
        lines.append(f"{f.__name__}: graph {[node.name for node in traced.graph.nodes]}")
        lines.append(f"  called twice: eager {eager}, traced {replayed}")
    return lines


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_fx_keeps_a_branch_silently_when_the_proxy_is_not_asked(site: Path, out: str) -> None:
    """Review r5-0102 A1, F1: only a check that asks the proxy raises; `is` keeps the traced
    branch, and a call with no proxy argument is frozen as a constant."""
    shown = text(site, out, PAGE_02)
    lines = _fx_silent_lines()
    assert_in_order(shown, lines, f"{out}/{PAGE_02}")
    # what the prose says about them: no error, the float32 input is not doubled, the
    # drawn number repeats while eager draws a new one
    assert lines[0] == "on_dtype: graph ['x', 'output']"
    assert lines[1] == "  called twice: eager [2.0, 2.0], traced [1.0, 1.0]"
    assert lines[2] == "noisy: graph ['x', '_tensor_constant0', 'add', 'output']"
    eager, traced = lines[3].split("eager ")[1].split(", traced ")
    assert len(set(traced.strip("[]").split(", "))) == 1 < len(set(eager.strip("[]").split(", ")))
    page = prose(site / out / PAGE_02)
    summary = prose(site / out / "summary.html")
    glossary = prose(site / out / "glossary.html")
    if out == EN.out:
        on_page = [
            "if and while ask the proxy itself for True or False , and it raises",
            "A check that never asks the proxy gets an answer without it",
            "runs once while tracing, and its result is stored in the graph as a constant",
            "silently keeps the branch taken while tracing",  # What we saw
        ]
        in_summary = [
            "asks the proxy for anything read from the input",
            "silently keeps the branch",
        ]
        in_glossary = ["A check that never asks it", "stored as a constant"]
        banned = ["cannot trace Python control flow on anything read from the input"]
        banned_summary = ["cannot be traced"]
        banned_glossary = ["so Python code that needs one fails"]
    else:
        on_page = [
            "if 和 while 都要代理自己给出 True 或 False ，而代理只会报错",
            "如果判断根本不询问代理，照样能得出结果",  # r7 E1
            "在追踪时只执行一次，结果作为常量保存在图里",
            "悄悄保留追踪时走过的那条分支",
        ]
        in_summary = ["要向代理询问从输入读出的东西", "悄悄保留追踪时走过的那条分支"]
        in_glossary = ["不去问它的判断", "结果作为常量保存下来"]
        banned = ["它就无法追踪"]
        banned_summary = ["就无法追踪"]
        banned_glossary = ["凡是需要这些的 Python 代码都会失败"]
    for phrase in on_page:
        assert phrase in page, phrase
    for phrase in in_summary:
        assert phrase in summary, phrase
    for phrase in in_glossary:
        assert phrase in glossary, phrase
    for phrase in banned:
        assert phrase not in page, phrase
    for phrase in banned_summary:
        assert phrase not in summary, phrase
    for phrase in banned_glossary:
        assert phrase not in glossary, phrase


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_figures_give_each_tensor_one_name(site: Path, out: str) -> None:
    """Review r5-0102 A2: the forward drawings and the backward graph name the input and the
    output alike (x_pos, z_pos), not ``x`` on one panel and ``x_pos`` on the other."""
    from pytorch_notes.graph import backward_graph, record

    code = "\n".join(
        pre.get_text() for pre in soup(site / out / PAGE_02).select("div.highlight pre")
    )
    assert 'with record(names={"x_pos": x_pos}) as run_pos:' in code
    assert 'with record(names={"x_neg": x_neg}) as run_neg:' in code

    def branchy(x: torch.Tensor) -> torch.Tensor:
        y = x * 2
        z = y * y if y.sum() > 0 else -y
        return z

    x_pos = torch.tensor([1.5], requires_grad=True)
    with record() as unnamed:
        branchy(x_pos)
    with record(names={"x_pos": x_pos}) as run_pos:
        z_pos = branchy(x_pos)
    before = {d.get("name") for _, d in unnamed.to_networkx().nodes(data=True)}
    assert "x" in before  # what the page drew before the fix: branchy's own name
    forward = {d.get("name") for _, d in run_pos.to_networkx().nodes(data=True)}
    autograd = backward_graph(z_pos)
    leaves = {d["name"] for _, d in autograd.nodes(data=True) if d["op"] == "AccumulateGrad"}
    assert leaves == {"x_pos"} and {"x_pos", "z_pos"} <= forward and "x" not in forward
    said = (
        "the names the backward graph below gives them" if out == EN.out else "与下文反向图中的一致"
    )
    assert said in prose(site / out / PAGE_02)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_02_the_nan_is_computed_as_zero_over_zero(site: Path, out: str) -> None:
    """Review r5-0102 A3: sqrt's backward divides by 2 sqrt(x), which it saved; at 0 a zero
    incoming gradient gives 0/0. The page says so next to the NaN it prints."""
    x = torch.tensor([0.0], requires_grad=True)
    root = x.sqrt()
    assert torch.equal(root.grad_fn._saved_result, root)  # the result is what it keeps
    (grad,) = torch.autograd.grad(root, x, torch.zeros(1))
    assert grad.isnan().all()
    assert "dz/dx = tensor([nan])" in text(site, out, PAGE_02)
    page = prose(site / out / PAGE_02)
    assert r"0 / (2\sqrt{0}) = 0/0" in page
    said = "the gradient is NaN: zero times infinity" if out == EN.out else "这是 0 乘无穷大"
    assert said in page
    assert ("zero times infinity makes" if out == EN.out else "0 乘无穷大 得到 NaN") not in page


@pytest.mark.parametrize("out", OUT_DIRS)
def test_01_02_introduce_torchviz_and_link_topological_order(site: Path, out: str) -> None:
    """Review r5-0102 F3 and B (minor): torchviz is said to be a package, "topological order"
    links the glossary, and the recomputed sum is called what it is."""
    page_01 = prose(site / out / PAGE_01)
    page_02 = prose(site / out / PAGE_02)
    if out == EN.out:
        assert "torchviz (a widely used package that draws this graph from a tensor" in page_01
        assert "the same sum, computed again below, has a grad_fn" in page_02
        term = "topological order"
    else:
        assert "torchviz（一个常用的工具包，从张量的 grad_fn 画出这张图）" in page_01
        assert "下面把同样的求和再算一次，它的结果有 grad_fn" in page_02
        term = "拓扑顺序"
    links = soup(site / out / PAGE_02).select("a.reference")
    assert any(
        "glossary.html#term-" in a.get("href", "") and a.get_text(strip=True) == term for a in links
    ), term
    glossary = soup(site / out / "glossary.html")
    entry = next(
        dt.find_next_sibling("dd")
        for dt in glossary.select("dt")
        if dt.get_text(strip=True).startswith(("topological sort", "拓扑排序"))
    )
    assert "plot_02_dynamic_graphs" in str(entry)


def test_zh_round_5_wording(site: Path) -> None:
    """Review r5-0102 D1, D2/E3, E1, E2, E4, E5 (zh only; en is the reference)."""
    page_01 = prose(site / ZH.out / PAGE_01)
    page_02 = prose(site / ZH.out / PAGE_02)
    glossary = prose(site / ZH.out / "glossary.html")
    summary = prose(site / ZH.out / "summary.html")
    assert "沿着一张图从" in page_01 and "走回各个输入" in page_01  # E1
    assert "出发沿一张图走回输入" not in page_01
    assert "y 只含一个元素" in page_01 and "输出含多个元素时" in page_01  # E2
    assert "只有一个数" not in page_01 and "输出有多个数" not in page_01
    assert (
        "静态图以灵活性为代价换来优化空间，动态图则以优化空间为代价换来灵活性和便于调试" in page_02
    )
    assert "牺牲灵活性" not in page_02  # E4
    assert "cross-entropy。分类问题的 损失函数" in glossary and "多分类的" not in glossary  # D1
    assert "数据类型" not in glossary and "数据类型" not in summary  # D2, E3
    assert "形状、dtype、步长" in glossary and "形状、dtype、步长" in summary
    assert "反向不传梯度的运算" in glossary and "反向不传梯度的操作" not in glossary  # E5


def glossary_entry(site: Path, out: str, term: str) -> str:
    """The text of one glossary entry (its ``dd``), whitespace collapsed."""
    glossary = soup(site / out / "glossary.html")
    entry = next(
        dt.find_next_sibling("dd")
        for dt in glossary.select("dt")
        if dt.get_text(strip=True).rstrip("¶") == term
    )
    return " ".join(entry.get_text(" ", strip=True).split())


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_6_claims_hold_with_their_conditions(site: Path, out: str) -> None:
    """Review r6-0102 A1-A4, C1, F1: weight decay and the backward order stated with their
    conditions, page 02's names= explained, its `if` gives a bool, 'many' errors."""
    import inspect

    from pytorch_notes.graph import record

    en = out == EN.out
    decay = glossary_entry(site, out, "weight decay" if en else "权重衰减")
    # A1: AdamW's weight_decay does not default to 0, and it never enters the gradient
    default = inspect.signature(torch.optim.AdamW).parameters["weight_decay"].default
    assert f"λ = {default}" in decay
    p = torch.nn.Parameter(torch.ones(1))
    p.grad = torch.zeros(1)
    optimizer = torch.optim.AdamW([p], lr=0.1, weight_decay=0.5)
    optimizer.step()
    assert torch.equal(optimizer.state[p]["exp_avg"], torch.zeros(1)) and p.item() < 1
    assert "AdamW" in decay and "decoupled_weight_decay=True" in decay
    if en:
        assert "most other torch.optim optimizers" in decay
        assert "weight_decay=λ in torch.optim adds" not in decay
    else:
        assert "torch.optim 中的大多数优化器里" in decay
        assert "torch.optim 中的 weight_decay=λ 在更新前" not in decay
    # A2: the backward pass follows a reverse topological order of the engine's choosing
    topo = glossary_entry(site, out, "topological sort" if en else "拓扑排序")
    if en:
        assert "visits them in a reverse topological order" in topo, topo
        assert "in the reverse order" not in topo
    else:
        assert "按某种逆拓扑顺序访问它们" in topo and "按相反的顺序" not in topo
    page = prose(site / out / PAGE_02)
    summary = prose(site / out / "summary.html")
    # A3: the sentence explains both runs printed above it: one `if` went each way
    shown = text(site, out, PAGE_02)
    assert "x = 1.5: trace          ['mul', 'sum', 'gt', 'mul']" in shown  # if -> True
    assert "x = -1.5: trace          ['mul', 'sum', 'gt', 'neg']" in shown  # if -> False

    # F1: without names= the input is named after branchy's own parameter, not x_pos
    def branchy(x: torch.Tensor) -> torch.Tensor:
        y = x * 2
        return y * y if y.sum() > 0 else -y

    x_pos = torch.tensor([1.5], requires_grad=True)
    for names, expected in ((None, "x"), ({"x_pos": x_pos}, "x_pos")):
        with record(names=names) as run:
            branchy(x_pos)
        graph = run.to_networkx()
        inputs = [
            d["name"]
            for n, d in graph.nodes(data=True)
            if d["kind"] == "tensor" and graph.in_degree(n) == 0
        ]
        assert inputs == [expected], (names, inputs)
    if en:
        assert "the comparison into a Python bool , and only y" in page  # A3
        assert "into a Python True" not in page
        assert "Many errors surface only when the graph runs" in page  # A4
        assert "Errors surface when the compiled graph runs" not in page
        assert "names= sets a name that wins over those found: the input is x inside" in page
        assert "We pass x_pos (inside" not in page
        assert "internal attributes such as _saved_self , shown for inspection" in summary  # C1
    else:
        assert "把比较结果变成了 Python 的布尔值" in page and "Python 的 True ，流进" not in page
        assert "许多错误要到图运行时才出现" in page and "编译好的图" not in page
        assert "names= 指定的名字优先于找到的变量名：输入在 branchy 内部叫 x" in page
        assert "我们传入 x_pos" not in page
        assert "_saved_self 等仅供查看的内部属性" in summary


def test_zh_round_6_wording(site: Path) -> None:
    """Review r6-0102 E1-E6 (zh only; en is the reference)."""
    page_02 = prose(site / ZH.out / PAGE_02)
    summary = prose(site / ZH.out / "summary.html")
    index = prose(site / ZH.out / "index.html")
    assert "决策阈值" in index and "判决阈值" not in index  # E1
    assert "如果判断根本不询问代理，照样能得出结果， fx 就把" in page_02  # E2, r7 E1
    assert "在 还没有 任何数据时就搭好一张静态图" in page_02  # E3
    assert "在任何数据" not in page_02 and "在任何数据" not in summary
    assert "在数据出现之前就搭好" in summary
    assert "（即截断的通过时间反向传播，truncated BPTT）" in summary  # E4
    assert "（截断的通过时间反向传播（" not in summary
    assert "每个记录下来的张量运算只对应一个节点，不管它涉及多少个数" in summary  # E5
    assert "这样它和结果 z_pos 的名字都与下文反向图中的一致" in page_02  # E6


# -- review r7-0102 ------------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_7_a_float_result_of_a_shape_only_or_non_differentiable_function_is_a_leaf(
    site: Path, out: str
) -> None:
    """Review r7-0102 A1: the list of causes for 'no grad_fn' includes functions that pass no
    gradient back (zeros_like, histc), on the page, in its recap, the summary and the glossary;
    the page prints them as leaves, as torch does for an input that requires grad."""
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for result in (torch.zeros_like(t), torch.histc(t, bins=3)):
        assert result.is_leaf and result.grad_fn is None and result.dtype.is_floating_point
    shown = text(site, out, PAGE_01)
    assert describe("zeros_like(t)", torch.zeros_like(t)) in shown
    assert describe("histc(t)", torch.histc(t, bins=3)) in shown
    page = prose(site / out / PAGE_01)
    summary = prose(site / out / "summary.html")
    if out == EN.out:
        entry = glossary_entry(site, out, "leaf node")
        on_page = [
            "or the function passes no gradient back to its input, because it reads only the "
            "shape ( torch.zeros_like(t) ) or is declared non-differentiable ( torch.histc )",
            "or from a shape-only or non-differentiable function ( zeros_like , histc ); t * 2",
        ]
        elsewhere = "or given by a shape-only or non-differentiable function ( zeros_like(t) ,"
    else:
        entry = glossary_entry(site, out, "叶子节点")
        on_page = [
            "或者函数根本不把梯度传回输入，因为它只读取形状（ torch.zeros_like(t) ），"
            "或者被声明为不可求导（ torch.histc ）",
            "或者由只读取形状或不可求导的函数（ zeros_like 、 histc ）得到",
        ]
        elsewhere = "或者由只读取形状或不可求导的函数（ zeros_like(t) 、 histc(t) ）得到"
    for phrase in on_page:
        assert phrase in page, phrase
    assert elsewhere in summary
    assert elsewhere in entry


def _page_code(site: Path, out: str, page: str) -> str:
    return "\n".join(pre.get_text() for pre in soup(site / out / page).select("div.highlight pre"))


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_7_the_fx_constant_check_would_catch_a_random_call_in_the_graph(
    site: Path, out: str
) -> None:
    """Review r7-0102 B1: page 02's assertion checks that the traced replay repeats one stored
    answer. A graph that records the random call (drawing anew each run) fails it, though it
    passes the old `replayed != eager`."""
    import operator

    import torch.fx

    check = "assert replayed[0] == replayed[1] != eager[0]"
    code = _page_code(site, out, PAGE_02)
    assert check in code and "assert replayed != eager " not in code

    graph = torch.fx.Graph()  # x + randn(1), with randn a node of the graph
    x = graph.placeholder("x")
    graph.output(graph.call_function(operator.add, (x, graph.call_function(torch.randn, (1,)))))
    recorded = torch.fx.GraphModule(torch.nn.Module(), graph)
    torch.manual_seed(0)
    ones = torch.ones(1)
    eager = [round((ones + torch.randn(1)).item(), 4) for _ in range(2)]
    replayed = [round(recorded(ones).item(), 4) for _ in range(2)]
    assert replayed != eager  # the old check passes ...
    assert not (replayed[0] == replayed[1] != eager[0])  # ... the page's check does not


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_7_len_and_float_raise_but_not_trace_error(site: Path, out: str) -> None:
    """Review r7-0102 F1: len(x) and float(x) on a proxy raise a RuntimeError and a TypeError,
    which `except TraceError` does not catch; the page says which."""
    from torch.fx import symbolic_trace
    from torch.fx.proxy import TraceError

    for f, kind in ((lambda x: x * len(x), RuntimeError), (lambda x: x * float(x), TypeError)):
        with pytest.raises(kind) as raised:
            symbolic_trace(f)
        assert not isinstance(raised.value, TraceError)
    page = prose(site / out / PAGE_02)
    if out == EN.out:
        phrase = "( len(x) and float(x) raise too, as a RuntimeError and a TypeError , not a TraceError )"
    else:
        phrase = "（ len(x) 和 float(x) 也会报错，不过抛出的是 RuntimeError 和 TypeError ，而不是 TraceError ）"
    assert phrase in page
    assert (
        "(so do len(x) and float(x) )" not in page and "（ len(x) 和 float(x) 也一样）" not in page
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_7_guard_links_the_glossary(site: Path, out: str) -> None:
    """Review r7-0102 F2: page 02's 'guard', used before tutorial 10, links the glossary term."""
    word = "guard" if out == EN.out else "守卫"
    links = [
        a
        for a in soup(site / out / PAGE_02).select("a.reference.internal")
        if a.get_text(strip=True) == word and "glossary.html#term-" in a.get("href", "")
    ]
    assert links, f"{out}: no glossary link on {word!r}"


def test_zh_round_7_wording(site: Path) -> None:
    """Review r7-0102 E1, E2 (zh only; en is the reference)."""
    page = prose(site / ZH.out / PAGE_02)
    assert (
        "如果判断根本不询问代理，照样能得出结果， fx 就把这个结果选中的分支当作整个函数记录下来"
        in page
    )
    assert "它不经过代理就能得出答案" not in page  # E1: the clause that repeated the first
    assert "同一张图对每个输入给出的，都是它所走分支的梯度" in page  # E2
    assert "给每个输入的都是它那条分支的梯度" not in page


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_8_no_accumulate_grad_for_a_no_grad_view(site: Path, out: str) -> None:
    """R8-A1: a view taken under no_grad reports requires_grad=True yet gets no AccumulateGrad
    node; the page says so (and asserts it), and so do the glossary and the summary."""
    t = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        view = t[:1]
    assert view.requires_grad and (view * 10).grad_fn.next_functions[0][0] is None
    page = " ".join(
        soup(site / out / "tutorials/core/plot_01_computational_graph.html").get_text().split()
    )
    said = {EN.out: ["the backward graph gets no node for it", "(the view above excepted)"],
            ZH.out: ["反向图里没有它的节点", "（上面的视图除外）"]}[out]  # fmt: skip
    for words in said:
        assert words in page, (out, words)
    for name in ("glossary.html", "summary.html"):
        text = " ".join(soup(site / out / name).get_text().split())
        assert (
            "no_grad() gets none" in text or "no_grad())" in text
        ) or "no_grad() 下取的视图" in text, name


def test_round_8_glossary_no_grad_and_version_counter_state_their_conditions(site: Path) -> None:
    """R8-A2: an in-place op under no_grad keeps requires_grad and grad_fn; R8-A3: x[0] += 1
    raises the version counter by 2."""
    w = torch.ones(2, requires_grad=True)
    a = w * 2
    with torch.no_grad():
        a.add_(1)
    assert a.requires_grad and a.grad_fn is not None
    x = torch.zeros(3)
    before = x._version
    x[0] += 1
    assert x._version - before == 2
    en = " ".join(soup(site / EN.out / "glossary.html").get_text().split())
    zh = " ".join(soup(site / ZH.out / "glossary.html").get_text().split())
    assert (
        "leaves its tensor’s requires_grad and grad_fn" in en
        or "leaves its tensor's requires_grad and grad_fn" in en
    )
    assert "x[0] += 1 runs two, so it adds 2" in en
    assert (
        "原位操作则不改变所改张量的 requires_grad" in zh.replace(" 和", "和")
        or "原位操作则不改变所改张量的" in zh
    )
    assert "所以加二" in zh
