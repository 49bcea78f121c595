"""The summary quotes the numbers its tutorials print, in the row of the tutorial that prints them.

Issue 19: content moved between tutorials (05 -> 04, 10, 11; 06 -> 04), so each
row's numbers are checked against the page its "Where" link names. Below them, the
claims the summary, the glossary, the tutorials' headers and the README make on their
own (review r10-docs), each re-derived with a probe.
"""

from __future__ import annotations

import ast
import copy
import inspect
import itertools
import re
import warnings
from pathlib import Path

import pytest
import torch
from conftest import EN, GALLERY, OUT_DIRS, ROOT, ZH, built_tutorials, printed, soup
from torch import nn

# (tutorial page, what the page prints, what the summary row of that tutorial says)
QUOTED = [
    ("core/plot_04_autograd_traps", "grad zeros: second step moved w by -0.450", "−0.450"),
    ("core/plot_06_validation_and_test", "stopped after iteration 560", "560"),
    ("core/plot_06_validation_and_test", "test accuracy = 1.000 (validation 0.985", "98.5%"),
    (
        "further/plot_07_autograd_internals",
        "with a's gradient clipped to 1: w.grad = tensor([4.])",
        "4",
    ),
    ("further/plot_09_your_own_autograd", "200 samples: engine  4206 nodes, PyTorch 7 nodes", "7"),
    ("further/plot_11_loss_functions", "d(MSE)/dz = -0.000670, d(BCE)/dz = -0.999665", "-0.999665"),
    # from a bad start MSE lags (0.125 at iteration 20, BCE 0.935) and catches up: no stall
    (
        "further/plot_11_loss_functions",
        "MSE: accuracy at iterations 0/20/40/60/100: 0.075 0.125 0.265 0.795 0.980",
        "0.125",
    ),
    (
        "further/plot_11_loss_functions",
        "BCE: accuracy at iterations 0/20/40/60/100: 0.075 0.935 0.945 0.955 0.980",
        "0.935",
    ),
    (
        "further/plot_11_loss_functions",
        "no weight         accuracy 0.970  precision 0.829  recall 0.713",
        "0.713",
    ),
    ("further/plot_11_loss_functions", "accuracy 0.892  precision 0.387  recall 0.947", "0.947"),
    ("further/plot_11_loss_functions", "BCEWithLogitsLoss:  loss = 20.0000, dloss/dz = 1.0", "100"),
]


def rows(site: Path, out: str) -> dict[str, str]:
    """Each summary row's text (code blocks kept), by the tutorial page its last cell links."""
    found: dict[str, str] = {}
    for tr in copy.copy(soup(site / out / "summary.html")).select("table tr"):
        link = tr.select_one("td:last-child a")
        if link is None:
            continue
        page = link["href"].removeprefix("tutorials/").removesuffix(".html")
        found[page] = found.get(page, "") + " " + " ".join(tr.get_text(" ", strip=True).split())
    return found


@pytest.mark.parametrize("out", OUT_DIRS)
def test_summary_numbers_are_printed_by_the_tutorial_of_their_row(site: Path, out: str) -> None:
    by_page = rows(site, out)
    for page, line, number in QUOTED:
        assert line in printed(site / out / "tutorials" / f"{page}.html"), f"{out} {page}: {line!r}"
        assert number in by_page[page], f"{out} summary row of {page} lacks {number!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_moved_rows_sit_with_their_tutorial(site: Path, out: str) -> None:
    """BCEWithLogitsLoss and mini-batches left tutorial 05; grad modes left 06 for 04."""
    by_page = rows(site, out)
    pointer = {
        EN.out: "BCEWithLogitsLoss (tutorial 11)",
        ZH.out: "BCEWithLogitsLoss （见第 11 篇）",
    }
    # only the pointer to tutorial 11 (r10-docs B1) names the stable loss in 05's row
    row_05 = by_page["core/plot_05_logistic_regression"].replace(pointer[out], "")
    assert "BCEWithLogitsLoss" not in row_05
    assert "DataLoader" not in by_page["core/plot_05_logistic_regression"]
    assert "DataLoader" in by_page["further/plot_12_optimizers"]
    assert "inference_mode" in by_page["core/plot_04_autograd_traps"]
    assert "inference_mode" not in by_page["further/plot_07_autograd_internals"]
    assert "SigmoidBackward0" not in by_page["further/plot_07_autograd_internals"]
    assert "C++" not in by_page["further/plot_09_your_own_autograd"]


# --- Review r10-docs (and r10-0708 A1/F2, r10-0910 A1/A2, which fall on these pages) ---
# Each test re-derives the claim with a probe, then checks the new words on the built
# pages (both languages) and the old wording's absence.

T10 = "further/plot_10_pytorch2_graphs"


def plain(element) -> str:
    """An element's text, whitespace collapsed, straight quotes; math as its LaTeX source."""
    element = copy.copy(element)
    for math in element.select("math"):
        annotation = math.select_one("annotation")
        math.replace_with(annotation.get_text() if annotation else "")
    return " ".join(element.get_text().split()).replace("’", "'").replace("¶", "")


def row(site: Path, out: str, page: str) -> str:
    """The summary rows that link ``page``, as plain text."""
    found = [
        plain(tr)
        for tr in soup(site / out / "summary.html").select("table tr")
        if (link := tr.select_one("td:last-child a")) is not None
        and link["href"] == f"tutorials/{page}.html"
    ]
    assert found, f"{out}: no summary row for {page}"
    return " ".join(found)


def entry(site: Path, out: str, term: str) -> str:
    """The glossary's definition of ``term`` (its headword as the page shows it)."""
    for dt in soup(site / out / "glossary.html").select("dl.glossary dt"):
        if plain(dt) == term:
            return plain(dt.find_next_sibling("dd"))
    raise AssertionError(f"{out}: no glossary entry {term!r}")


def term_id(site: Path, out: str, term: str) -> str:
    for dt in soup(site / out / "glossary.html").select("dl.glossary dt"):
        if plain(dt) == term:
            return dt["id"]
    raise AssertionError(f"{out}: no glossary entry {term!r}")


class Graphs:
    """A torch.compile backend that counts the graphs it is handed and runs them as they are."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, gm: torch.fx.GraphModule, example_inputs: list) -> object:
        self.count += 1
        return gm.forward


def graphs_after_each_call(fn, inputs, **options) -> list[int]:
    torch._dynamo.reset()
    backend = Graphs()
    compiled = torch.compile(fn, backend=backend, **options)
    seen = []
    for x in inputs:
        compiled(x)
        seen.append(backend.count)
    torch._dynamo.reset()
    return seen


def _smooth(x: torch.Tensor) -> torch.Tensor:
    return (x * 2).sin()


def _grows(x: torch.Tensor) -> torch.Tensor:  # tutorial 10's: branches on the size
    if x.shape[0] > 5:
        return x * 2
    return x + 1


def _loops(x: torch.Tensor) -> torch.Tensor:  # a Python loop over the size
    return sum(x[i] for i in range(x.shape[0]))


def _branchy(x: torch.Tensor) -> torch.Tensor:  # a graph break: two code objects' worth
    y = x * 2
    if y.sum() > 0:
        return y + 1
    return y - 1


GUARDS = {
    EN.out: [
        "each graph keeps guards on what it assumed about its inputs",
        "a call runs a graph whose guards all hold, and only when no captured graph's guards "
        "hold does Dynamo capture again (a recompilation)",
    ],
    ZH.out: [
        "每张图都带着守卫",
        "调用时运行一张守卫全部成立的图，只有当每张已捕获的图都有守卫不成立时，Dynamo "
        "才重新捕获（重新编译）",
    ],
}
GUARD_ENTRY = {
    EN.out: "Each captured graph keeps its own guards, and a call runs a graph whose guards all "
    "hold; only when no captured graph's guards hold is the function captured again",
    ZH.out: "每张捕获的图都有自己的守卫，调用时运行一张守卫全部成立的图；只有当每张已捕获的图都有"
    "守卫不成立时，函数才会被重新捕获（重新编译）",
}


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_failed_guard_recompiles_only_when_no_graph_matches(site: Path, out: str) -> None:
    """r10-docs A1: calls 2-4 fail the guards of the graph captured last, yet an earlier
    graph matches, so nothing is recompiled."""
    calls = [torch.ones(3, requires_grad=flag) for flag in (False, True, False, True, False)]
    assert graphs_after_each_call(lambda x: x * 2, calls) == [1, 2, 2, 2, 2]
    text = row(site, out, T10)
    for words in GUARDS[out]:
        assert words in text, f"{out}: {words!r}"
    assert GUARD_ENTRY[out] in entry(site, out, {EN.out: "guard", ZH.out: "守卫"}[out])
    glossary = plain(soup(site / out / "glossary.html"))
    for old in ("a failed one means a recompilation", "when a guard fails, the function is",
                "守卫失败就要重新编译", "守卫不成立时函数会被重新捕获", "守卫全部成立的那张图",
                "没有一张的守卫全部成立"):  # fmt: skip
        assert old not in text and old not in glossary, f"{out}: {old!r}"


SIZES = {
    EN.out: "by default the first graph is specialised to the sizes it saw, and the first new "
    "size other than 0 or 1 makes that dimension a symbol, so later sizes other than 0 and 1 "
    "need no new graph unless the code branches on them (then a size on the other side of "
    "the branch does: 6 in grows), while dynamic=True makes a size a symbol the first time it is 2 or "
    "more, which saves that recompilation only when the first call's size is 2 or more",
    ZH.out: "默认情况下，第一张图按它见到的尺寸特化，出现第一个 0 和 1 以外的新尺寸时，这一维就"
    "改用符号表示（成为动态维度），之后除 0 和 1 以外的尺寸，只要代码不按它分支，就不需要新的图"
    "（按尺寸分支时，落到分支另一侧的尺寸仍需要新的图：grows 中的 6），而 dynamic=True 在尺寸"
    "第一次不小于 2 时就把它当作符号；只有第一次调用的尺寸已经不小于 2，dynamic=True 才能省下那次重新编译",
}


def test_a_size_becomes_a_symbol_at_the_first_new_size_above_one() -> None:
    """r10-docs A2, r10-0910 A2: a change to size 1 gets a graph of its own and the symbol
    comes at the next size; code that branches on the size needs a graph per branch. (What
    torch does, once; each language's row is checked against it below.)"""
    sizes = [torch.ones(n) for n in (3, 1, 4, 5, 6)]
    assert graphs_after_each_call(_smooth, sizes) == [1, 2, 3, 3, 3]
    sizes = [torch.ones(n) for n in (3, 4, 5, 6, 7, 8)]
    assert graphs_after_each_call(_grows, sizes) == [1, 2, 2, 3, 3, 3]  # 6 takes the branch
    # r11-docs A3: 4 and 5 reuse graph 2 although the code branches on the size
    sizes = [torch.ones(n) for n in (3, 4, 5, 6, 7, 8, 1)]
    assert graphs_after_each_call(_grows, sizes) == [1, 2, 2, 3, 3, 3, 4]
    # r11-0910 A2: after the symbol, sizes 1 and 0 still get graphs of their own
    sizes = [torch.ones(n) for n in (3, 4, 5, 1, 0, 6)]
    assert graphs_after_each_call(_smooth, sizes) == [1, 2, 2, 3, 4, 4]
    # r11-0910 A3: dynamic=True saves the recompilation only when the first size is >= 2
    for first, saved in ((1, False), (0, False), (3, True)):
        sizes = [torch.ones(n) for n in (first, 3 if first < 2 else 4, 5, 6)]
        plain_run = graphs_after_each_call(_smooth, sizes)
        dynamic_run = graphs_after_each_call(_smooth, sizes, dynamic=True)
        assert (dynamic_run[-1] < plain_run[-1]) is saved, (first, plain_run, dynamic_run)
    # r12-docs A1: a first size of 0 or 1 saves nothing, also when 2 or more comes later
    for sizes in ((1, 3, 4), (0, 1, 3, 4, 0, 1)):
        inputs = [torch.ones(n) for n in sizes]
        assert graphs_after_each_call(_smooth, inputs) == graphs_after_each_call(
            _smooth, inputs, dynamic=True
        ), sizes
    # r12-docs F3: a Python loop over the size is a branch on it: one graph per size
    sizes = [torch.ones(n) for n in (4, 6, 8, 10, 12)]
    for options in ({}, {"dynamic": True}):
        assert graphs_after_each_call(_loops, sizes, **options) == [1, 2, 3, 4, 5], options


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_summary_says_when_a_size_becomes_a_symbol(site: Path, out: str) -> None:
    """The row says what test_a_size_becomes_a_symbol_at_the_first_new_size_above_one finds."""
    text = row(site, out, T10)
    assert SIZES[out] in text, out
    for old in ("a changed size is recompiled once and then marked dynamic",
                "尺寸变化时重新编译一次并把该尺寸标记为动态", "so later sizes reuse the graph",
                "这一维就变成符号", "除非代码按尺寸分支",
                "makes sizes symbols from the first call (", "从第一次调用起",
                "from the first call of size 2 or more", "从第一次尺寸不小于 2 的调用起",
                "仍需要："):  # fmt: skip
        assert old not in text, f"{out}: {old!r}"


LIMIT = {
    EN.out: "at most 8 compiled versions per code object, shared by every torch.compile of that "
    "function",
    ZH.out: "默认每个代码对象最多 8 个编译版本，同一个函数的所有 torch.compile 共用这一上限",
}
AFTER_BREAK = {EN.out: "the code after a graph break counts separately",
               ZH.out: "图中断之后的代码按分支分别计数"}  # fmt: skip
BRANCHES = {EN.out: "once for each branch that continues: branchy can get 8 + 8 + 8",
            ZH.out: "branchy 最多能得到 8 + 8 + 8 张图"}  # fmt: skip


def test_the_recompile_limit_counts_per_code_object() -> None:
    """r10-0910 A1: two torch.compile wrappers of one function share the 8 (5 + 3), and a
    function with a graph break holds 8 graphs for its own code and 8 for the code after it.
    (What torch does, once; each language's row is checked against it below.)"""
    assert torch._dynamo.config.recompile_limit == 8
    torch._dynamo.reset()
    backend = Graphs()
    first = torch.compile(_smooth, backend=backend, dynamic=False)
    second = torch.compile(_smooth, backend=backend, dynamic=False)
    for n in range(2, 7):
        first(torch.ones(n))
    assert backend.count == 5
    for n in range(7, 14):
        second(torch.ones(n))
    assert backend.count == 8
    ranks = [torch.ones([2] * d) for d in range(1, 13)]  # a new rank is always a new graph
    assert graphs_after_each_call(_branchy, ranks, dynamic=False)[-1] == 16
    # r11-0910 A1: each branch after the break has a limit of its own: 8 + 8 + 8
    both = [sign * torch.ones([2] * d) for d in range(1, 13) for sign in (1, -1)]
    assert graphs_after_each_call(_branchy, both, dynamic=False)[-1] == 24


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_summary_and_glossary_give_the_recompile_limit(site: Path, out: str) -> None:
    """The row and the glossary say what test_the_recompile_limit_counts_per_code_object finds."""
    text = row(site, out, T10)
    glossary = entry(site, out, {EN.out: "guard", ZH.out: "守卫"}[out])
    assert BRANCHES[out] in text, out
    assert {EN.out: "once for each branch that continues", ZH.out: "按分支分别计数"}[
        out
    ] in glossary
    for where in (text, glossary):
        assert LIMIT[out] in where and AFTER_BREAK[out] in where, out
        assert "8 graphs per function" not in where and "每个函数最多 8 张图" not in where
        assert "另行计数" not in where, out


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_gradcheck_row_gives_the_float32_error_the_page_prints(site: Path, out: str) -> None:
    """r10-docs A3, r10-0708 A1: float32 does not swamp the estimate; it is off by about 5%
    at tutorial 07's point, and gradcheck's defaults (eps = 1e-6) are set for float64."""
    page = printed(site / out / "tutorials" / "further" / "plot_07_autograd_internals.html")
    line = re.search(r"torch\.float32\s+finite difference ([\d.]+)\s+autograd ([\d.]+)", page)
    assert line, out
    estimate, exact = map(float, line.groups())
    assert 0.045 < abs(estimate - exact) / exact < 0.055
    assert inspect.signature(torch.autograd.gradcheck).parameters["eps"].default == 1e-6
    text = row(site, out, "further/plot_07_autograd_internals")
    said = {
        EN.out: ["in float64: in float32, with h = 10^{-6}, the estimate is off by about 5% at",
               "gradcheck's defaults (eps = 10^{-6}) are set for float64"],
        ZH.out: ["在 float32 下取 h = 10^{-6}", "处的估计偏差约 5%，而且 gradcheck 的默认参数",
                  "（eps = 10^{-6}）是按 float64 设定的"],
    }[out]  # fmt: skip
    for words in said:  # math as its LaTeX source: the MathML before it is left out
        assert words in text, f"{out}: {words!r}"
    assert "swamps" not in text and "淹没" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_gradient_entry_excepts_a_view_taken_under_no_grad(site: Path, out: str) -> None:
    """r10-docs A4: such a view is a leaf that requires grad, and backward fills no .grad."""
    w = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        view = w[0:1]
    assert view.requires_grad and view.is_leaf and view.grad_fn is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # silently: no warning either
        (view * 2).sum().backward()
    assert view.grad is None and w.grad is None
    said = {EN.out: "except a view taken under no_grad(), which gets none",
            ZH.out: "在 no_grad() 下取的视图除外，它什么也得不到"}[out]  # fmt: skip
    assert said in entry(site, out, {EN.out: "gradient", ZH.out: "梯度"}[out]), out


@pytest.mark.parametrize("out", OUT_DIRS)
def test_momentum_falls_at_every_step_until_the_bottom_only(site: Path, out: str) -> None:
    """r10-docs A5: tutorial 12's momentum run rises once, at the bottom (step 60)."""
    from test_tutorial_12 import OPTIMIZERS, independent_run

    losses = independent_run(OPTIMIZERS["momentum"])[1]
    rises = [i for i, (a, b) in enumerate(itertools.pairwise(losses)) if b >= a]
    assert rises and all(losses[i] < min(losses) + 1e-5 for i in rises)
    text = row(site, out, "further/plot_12_optimizers")
    said = {EN.out: "comes back, its loss falling at every step until it reaches the bottom",
            ZH.out: "冲过谷底再折回来，到达谷底之前损失每一步都在下降"}[out]  # fmt: skip
    assert said in text, out
    assert "comes back while its loss falls at every step;" not in text
    assert "折回来，损失每一步都在下降" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_training_loop_row_sends_logits_to_the_stable_loss(site: Path, out: str) -> None:
    """r10-docs B1: Sigmoid + BCELoss at z = 20 (class 0) gives 100 and gradient 0;
    BCEWithLogitsLoss gives 20 and 1."""
    label = torch.tensor([0.0])
    z = torch.tensor([20.0], requires_grad=True)
    loss = nn.BCELoss()(torch.sigmoid(z), label)
    loss.backward()
    assert loss.item() == 100.0 and z.grad.item() == 0.0
    z = torch.tensor([20.0], requires_grad=True)
    loss = nn.BCEWithLogitsLoss()(z, label)
    loss.backward()
    assert loss.item() == pytest.approx(20.0) and z.grad.item() == pytest.approx(1.0)
    said = {EN.out: "Nor is BCELoss after a sigmoid: in your own code, give the logits to "
                  "BCEWithLogitsLoss (tutorial 11).",
            ZH.out: "sigmoid 之后接 BCELoss 同样不该照搬：自己写代码时，把 logit 直接交给 "
                     "BCEWithLogitsLoss（见第 11 篇）。"}[out]  # fmt: skip
    assert said in row(site, out, "core/plot_05_logistic_regression"), out


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_validation_row_loads_the_best_evaluation_first(site: Path, out: str) -> None:
    """r10-docs F1: fit restores nothing; the model holds the last update, not the best."""
    from pytorch_notes.data import two_gaussians
    from pytorch_notes.models import LogisticRegression
    from pytorch_notes.training import fit

    torch.manual_seed(0)
    x, y = two_gaussians()
    model = LogisticRegression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    history = fit(model, nn.BCELoss(), optimizer, (x, y), validation=(x, y),
                  max_iterations=40, eval_every=10)  # fmt: skip
    best = history.best_evaluation.parameters["features.weight"]
    assert not torch.equal(model.features.weight.detach(), best)
    said = {EN.out: "fit restores nothing: load the best evaluation's parameters first "
                  "(model.load_state_dict(history.best_evaluation.parameters)). The test set",
            ZH.out: "fit 不会恢复任何参数：先载入最好那次评估的参数"
                     "（model.load_state_dict(history.best_evaluation.parameters)）。测试集"}[out]  # fmt: skip
    assert said in row(site, out, "core/plot_06_validation_and_test"), out


def test_zh_in_place_row_does_not_say_by_one(site: Path) -> None:
    """r10-docs D1: x[0] += 1 raises the version counter by 2 (two in-place kernels)."""
    x = torch.zeros(3)
    before = x._version
    x[0] += 1
    assert x._version - before == 2
    text = row(site, ZH.out, "core/plot_04_autograd_traps")
    assert "每次原位操作都会让版本计数器（_version，仅供查看的内部属性）增加；" in text
    assert "加一" not in text


def test_zh_docs_wording(site: Path) -> None:
    """r10-docs E2-E5, E7: plain Chinese for 'autograd's own graph', eval(), bookkeeping,
    one term for saved tensors (保存的张量), and the DataLoader row."""
    summary = plain(soup(site / ZH.out / "summary.html"))
    glossary = plain(soup(site / ZH.out / "glossary.html"))
    index = plain(soup(site / ZH.out / "index.html"))
    everything = summary + glossary + index
    for said in ("自动求导实际使用的反向图由 backward() 从 grad_fn 出发遍历",
                 "model.eval() 只切换 Dropout 等层的行为，并不关闭计算图的记录",
                 "即使梯度为零，权重衰减也会移动它；如果之前已经更新过几步，动量和 Adam 也会移动它",
                 "反向传播要用的保存的张量被改动过就会报错", "逐个小批量地提供数据"):  # fmt: skip
        assert said in summary, said
    assert "自动求导实际使用的反向图中的节点" in glossary
    assert "省去了自动求导日后才需要的额外信息（版本计数器、视图跟踪）" in glossary
    assert "以及自动求导实际使用的、由反向函数和 AccumulateGrad 组成的反向图" in index
    assert "用完即释放的保存的张量" in index
    for old in ("自动求导自己", "不关记录", "记账", "供数", "保存张量"):
        assert old not in everything.replace("不保存张量", "").replace("提供数据", ""), old


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_glossary_intro_promises_what_the_tutorials_link(site: Path, out: str) -> None:
    """r10-docs F2: several entries are linked from no tutorial, so the intro says many."""
    linked = {
        a["href"].split("#")[1]
        for page in built_tutorials(site, out)
        for a in soup(page).select("a.reference")
        if "glossary.html#term-" in a.get("href", "")
    }
    terms = {dt["id"] for dt in soup(site / out / "glossary.html").select("dl.glossary dt")}
    assert linked < terms and len(linked) > len(terms) / 2
    intro = plain(soup(site / out / "glossary.html").select_one("article p"))
    said, old = {EN.out: ("Tutorials link many of them here, where they first use them.",
                        "Tutorials link their first use of a term here."),
                 ZH.out: ("教程中许多术语第一次出现时会链接到这里。",
                           "教程中术语第一次出现时会链接到这里。")}[out]  # fmt: skip
    assert said in intro and old not in intro, out


TOOLS = {
    EN.out: ["Dynamo", "AOTAutograd", "partitioner", "FX graph"],
    ZH.out: ["Dynamo", "AOTAutograd", "划分器", "FX 图"],
}


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_glossary_defines_tutorial_10s_tools(site: Path, out: str) -> None:
    """r10-docs F3: Dynamo, AOTAutograd, the partitioner and the FX graph have entries that
    send the reader to tutorial 10, and the summary's rows link them. Probes: AOTAutograd
    builds the backward graph before backward(); the default partitioner saves the sums,
    the min-cut one the inputs; an FX graph lists placeholders, operations, one output."""
    from functorch.compile import (
        aot_function,
        default_partition,
        make_boxed_func,
        min_cut_rematerialization_partition,
    )

    def example(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return (w + x) * (w + 1)

    saved = {}
    for partition in (default_partition, min_cut_rematerialization_partition):
        kept = {}

        def split(joint, inputs, _partition=partition, _kept=kept, **kwargs):
            _kept["forward"], _kept["backward"] = _partition(joint, inputs, **kwargs)
            return _kept["forward"], _kept["backward"]

        run = aot_function(example, fw_compiler=lambda gm, _: make_boxed_func(gm.forward),
                           bw_compiler=lambda gm, _: make_boxed_func(gm.forward),
                           partition_fn=split)  # fmt: skip
        w, x = torch.tensor([1.0], requires_grad=True), torch.tensor([5.0], requires_grad=True)
        run(w, x)
        assert "backward" in kept and w.grad is None  # traced before any backward()
        outputs = list(kept["forward"].graph.nodes)[-1].args[0]
        saved[partition.__name__] = [str(node) for node in outputs[1:]]
    assert saved["default_partition"] == ["add", "add_1"]  # a = w + x, b = w + 1
    assert all(name.startswith("primals") for name in saved["min_cut_rematerialization_partition"])
    ops = [node.op for node in torch.fx.symbolic_trace(example).graph.nodes]
    assert ops == ["placeholder"] * 2 + ["call_function"] * 3 + ["output"]
    glossary = soup(site / out / "glossary.html")
    ids = {term: term_id(site, out, term) for term in TOOLS[out]}
    for term in TOOLS[out]:
        dd = next(dt for dt in glossary.select("dl.glossary dt") if dt["id"] == ids[term])
        links = [a["href"] for a in dd.find_next_sibling("dd").select("a.reference")]
        assert f"tutorials/{T10}.html" in links, (out, term)
    linked = {a["href"].split("#")[-1] for a in soup(site / out / "summary.html").select("a")}
    assert set(ids.values()) <= linked, out
    partitioner = entry(site, out, TOOLS[out][2])
    assert "default_partition" in partitioner and {EN.out: "min-cut", ZH.out: "最小割"}[out] in (
        partitioner
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_hook_entry_names_only_what_tutorial_07_shows(site: Path, out: str) -> None:
    """r10-0708 F2: no page registers a module hook, so the entry no longer sends readers to
    tutorial 07 for one. Probe: a tensor hook on a leaf runs before .grad is updated and may
    replace the gradient; the post-accumulate hook runs after."""
    scripts = [p.read_text("utf-8") for p in GALLERY.glob("*/*/plot_*.py")]
    assert scripts and not any("register_forward_hook" in s for s in scripts)
    w = torch.tensor([1.0], requires_grad=True)
    seen = []

    def tensor_hook(grad: torch.Tensor) -> torch.Tensor:
        seen.append(("tensor hook", w.grad))
        return grad * 10

    w.register_hook(tensor_hook)
    w.register_post_accumulate_grad_hook(lambda p: seen.append(("after", p.grad.item())))
    (w * 3).sum().backward()
    assert seen == [("tensor hook", None), ("after", 30.0)]
    text = entry(site, out, {EN.out: "hook", ZH.out: "钩子"}[out])
    said = {EN.out: ["may replace it; on a leaf it runs before .grad is updated, and a "
                   "register_post_accumulate_grad_hook hook after",
                   "(Modules have hooks too, such as register_forward_hook; no page here uses "
                   "them.)"],
            ZH.out: ["可以替换这个梯度；在叶子节点上，它在 .grad 更新之前触发",
                      "（模块也有钩子，例如 register_forward_hook，本站没有用到。）"]}[out]  # fmt: skip
    for words in said:
        assert words in text, f"{out}: {words!r}"
    assert "a module's forward hook after its forward" not in text
    assert "模块的前向钩子在其 forward 之后触发" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_core_chapter_header_names_tutorial_06s_subject(site: Path, out: str) -> None:
    """r10-docs F4: the core chapter ends with training, validation and test sets."""
    assert (GALLERY / EN.gallery / "core" / "plot_06_validation_and_test.py").is_file()
    said = {EN.out: "logistic regression, and training, validation and test sets",
            ZH.out: "逻辑回归，以及训练集、验证集与测试集"}[out]  # fmt: skip
    for page in ("tutorials/index.html", "tutorials/core/index.html"):
        assert said in plain(soup(site / out / page)), f"{out}/{page}"


def _readme() -> str:
    return " ".join((ROOT / "README.md").read_text("utf-8").split())


def _private_torch_modules() -> set[str]:
    """The package modules whose code (not docstrings) reaches ``torch._*``."""
    found = set()
    for path in (ROOT / "src" / "pytorch_notes").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            private = (
                isinstance(node, ast.ImportFrom) and (node.module or "").startswith("torch._")
            ) or (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "torch"
                and node.attr.startswith("_")
            )
            if private:
                found.add(path.name)
    return found


def test_readme_names_every_module_on_private_torch_apis() -> None:
    """r10-docs A6, C1: graph.py reaches torch._guards and torch._dynamo too."""
    assert _private_torch_modules() == {"capture.py", "graph.py"}
    readme = _readme()
    block = readme[readme.index("capture.py PyTorch 2's captures") : readme.index("_checks.py")]
    assert (
        "with graph.py (torch._guards.TracingContext, torch._C's torch-function and "
        "dispatch-mode stacks and DisableTorchFunction, autograd sequence numbers and private "
        "node and tensor attributes; capture.py also torch._logging, torch.utils._pytree, "
        "torch.utils._python_dispatch and torch._dynamo.mark_dynamic, which has no public "
        "name), the modules that touch torch's private APIs (training.py only reads "
        "ChainedScheduler's _schedulers)" in block
    )  # r11-docs C1, r12-docs C1, r13-docs C1; tutorial 14 adds mark_dynamic
    graph_py = (ROOT / "src" / "pytorch_notes" / "graph.py").read_text("utf-8")
    capture_py = (ROOT / "src" / "pytorch_notes" / "capture.py").read_text("utf-8")
    assert "torch._C._push_on_torch_function_stack" in graph_py
    sources = [p.read_text("utf-8") for p in (ROOT / "src" / "pytorch_notes").glob("*.py")]
    # torch._dynamo only for mark_dynamic (no public name on 2.4-2.15), in capture.py alone
    dynamo = [re.findall(r"torch\._dynamo\.\w+", s) for s in sources]
    assert {name for found in dynamo for name in found} == {"torch._dynamo.mark_dynamic"}
    assert "torch._dynamo" not in graph_py
    training_py = (ROOT / "src" / "pytorch_notes" / "training.py").read_text("utf-8")
    assert '"_schedulers"' in training_py
    assert "_len_torch_dispatch_stack" in graph_py and "_sequence_nr" in graph_py
    assert "torch._logging._internal" in capture_py and "torch.utils._pytree" in capture_py
    assert "private compile APIs" not in block
    assert "the one place that touches" not in readme


def test_readme_and_noxfile_say_why_torch_is_installed_first() -> None:
    """r10-docs A7: installing torch first picks its build apart from the package's other
    dependencies; without an index, PyPI's default Linux wheel is still the CUDA one."""
    source = (ROOT / "noxfile.py").read_text("utf-8")
    install = source[source.index("def _install") : source.index("@nox.session")]
    assert 'index = ["--index-url", TORCH_INDEX] if TORCH_INDEX else []' in install
    docstring = " ".join(ast.get_docstring(ast.parse(source)).split())
    for text in (_readme(), docstring):
        assert "PyPI's default Linux wheel is the multi-GB CUDA build" in text
        assert "never picks a multi-GB CUDA build" not in text
        assert "never resolves it to a multi-GB CUDA build" not in text


def test_readme_lists_every_session_and_the_core_folder_whole() -> None:
    """r10-docs A8, A9: core/ holds 01-06; nox -l lists audit too, and lint runs mypy."""
    source = ast.parse((ROOT / "noxfile.py").read_text("utf-8"))
    sessions = [
        node.name
        for node in source.body
        if isinstance(node, ast.FunctionDef)
        and any("session" in ast.unparse(d) for d in node.decorator_list)
    ]
    readme = _readme()
    listing = readme[readme.index("`nox -l` lists every session") :][:400]
    assert "audit" in sessions and len(sessions) >= 7
    for name in sessions:
        assert f"`{name}`" in listing, name
    assert "`lint` (ruff and mypy)" in listing and "`lint` (ruff)," not in listing
    numbers = sorted(p.name[5:7] for p in (GALLERY / EN.gallery / "core").glob("plot_*.py"))
    assert f"core/ the core chapter ({numbers[0]}-{numbers[-1]})" in readme


# --- Review r11-docs ---


@pytest.mark.parametrize("out", OUT_DIRS)
def test_an_fx_graph_is_not_only_a_forward_graph_of_call_functions(site: Path, out: str) -> None:
    """r11-docs A1: FX graphs have call_method and call_module nodes too, and AOTAutograd's
    backward graph is an FX graph."""
    from functorch.compile import aot_function, make_boxed_func

    def ops(gm: torch.fx.GraphModule) -> list[str]:
        return [node.op for node in gm.graph.nodes]

    assert ops(torch.fx.symbolic_trace(lambda x: (x * 2).sum())) == [
        "placeholder", "call_function", "call_method", "output"]  # fmt: skip
    assert "call_module" in ops(torch.fx.symbolic_trace(nn.Sequential(nn.Linear(2, 1))))
    kept = {}

    def keep(name: str):
        def compiler(gm, _):
            kept[name] = gm
            return make_boxed_func(gm.forward)

        return compiler

    run = aot_function(lambda w, x: (w + x) * (w + 1), fw_compiler=keep("fw"),
                       bw_compiler=keep("bw"))  # fmt: skip
    run(torch.ones(1, requires_grad=True), torch.ones(1)).sum().backward()
    assert all(isinstance(kept[k], torch.fx.GraphModule) for k in ("fw", "bw"))
    text = entry(site, out, {EN.out: "FX graph", ZH.out: "FX 图"}[out])
    said = {EN.out: ["call_function, call_method or call_module for the operations",
                   "Dynamo's graphs and AOTAutograd's forward and backward graphs are FX graphs"],
            ZH.out: ["运算是 call_function、call_method 或 call_module",
                      "Dynamo 捕获的图、AOTAutograd 的前向图和反向图也都是 FX 图"]}[out]  # fmt: skip
    for words in said:
        assert words in text, f"{out}: {words!r}"
    for old in ("a call_function per operation", "每个运算一个 call_function", "A forward graph in",
                "形式的前向图"):  # fmt: skip
        assert old not in text, f"{out}: {old!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_code_after_a_graph_break_is_captured_when_a_call_reaches_it(
    site: Path, out: str
) -> None:
    """r11-docs A2, r11-0910 A4: graph 1 runs before the code after the break is captured;
    the if has no value during the capture (the graph's values are fake tensors)."""
    log = []

    def backend(gm: torch.fx.GraphModule, example_inputs: list) -> object:
        number = len([e for e in log if e.startswith("capture")]) + 1
        log.append(f"capture {number}")
        fakes = [node.meta.get("example_value") for node in gm.graph.nodes if node.op != "output"]
        assert all(type(v).__name__ == "FakeTensor" for v in fakes if v is not None)

        def run(*args):
            log.append(f"run {number}")
            return gm.forward(*args)

        return run

    torch._dynamo.reset()
    torch.compile(_branchy, backend=backend)(torch.ones(3))
    torch._dynamo.reset()
    assert log == ["capture 1", "run 1", "capture 2", "run 2"]
    said = {EN.out: ("before the function's bytecode runs; the code after a graph break is "
                   "captured when a call reaches it",
                   "before the bytecode runs (the code after a graph break is captured when a "
                   "call reaches it)",
                   "Dynamo follows the code on stand-ins, so it has no value to decide on"),
            ZH.out: ("在函数的字节码执行之前）捕获 FX 图并交给后端，图中断之后的代码要等调用走到那里才捕获",
                      "它在函数的字节码执行之前接手（图中断之后的代码要等调用走到那里才捕获）",
                      "Dynamo 是用替身对代码做符号执行的，手里没有这个值")}[out]  # fmt: skip
    text, glossary = row(site, out, T10), entry(site, out, "Dynamo")
    assert said[0] in text and said[2] in text and said[1] in glossary, out
    for old in ("before any of its operations runs", "在函数的任何运算执行之前"):
        assert old not in text and old not in glossary, f"{out}: {old!r}"


def test_zh_docs_wording_r11(site: Path) -> None:
    """r11-docs D1, E2, E3, E6, E7: the joint graph, 更小, 动态维度, FX 图, 同样不该照搬."""
    summary = plain(soup(site / ZH.out / "summary.html"))
    glossary = plain(soup(site / ZH.out / "glossary.html"))
    assert (
        "得到前向与反向合在一起的联合图（早于任何 backward()）；再由划分器把它拆成前向图和反向图"
        in (entry(site, ZH.out, "AOTAutograd"))
    )
    assert "可能保存更少或更小的张量" in glossary and "更省的张量" not in glossary
    assert "这一维就改用符号表示（成为动态维度）" in summary
    assert "symbolic_trace 得到的 FX 图只是前向图" in summary and "fx 图" not in summary  # r12 A2
    en_summary = plain(soup(site / EN.out / "summary.html"))
    assert "The graph symbolic_trace returns (an FX graph) is a forward graph" in en_summary
    assert "The FX graph is a forward graph" not in en_summary
    assert "sigmoid 之后接 BCELoss 同样不该照搬" in summary and "BCELoss 也不是" not in summary


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_home_page_gives_the_wheel_chapter_and_download_links(site: Path, out: str) -> None:
    """r11-docs F1-F3: the wheel (not only a clone), tutorial 06 in the core chapter, and
    the download links under each title."""
    index = plain(soup(site / out / "index.html"))
    said = {EN.out: ['pip install "<the site\'s root>/dist/pytorch_notes-<version>-py3-none-any.whl"',
                   "Each tutorial's “Run it yourself” note gives the wheel's full address",
                   "Computational graphs, autograd, logistic regression, and training, "
                   "validation and test sets",
                   "(the links are under its title and at the bottom of its page)"],
            ZH.out: ['pip install "<站点根地址>/dist/pytorch_notes-<版本号>-py3-none-any.whl"',
                      "每篇教程的“自己动手运行”提示里有 wheel 的完整地址",
                      "计算图、自动求导、逻辑回归，以及训练集、验证集与测试集",
                      "（链接在标题下方和页面底部）"]}[out]  # fmt: skip
    for words in said:
        assert words in index, f"{out}: {words!r}"
    note = plain(soup(site / out / "tutorials" / "core" / "plot_01_computational_graph.html"))
    assert {EN.out: "Run it yourself", ZH.out: "自己动手运行"}[out] in note
    assert "dist/pytorch_notes-" in note and "py3-none-any.whl" in note
    for old in ("from a clone of its repository", "在本站仓库的目录中安装", "from the bottom of its page",
                "在每篇教程页面底部", "<this site>", "<本站地址>"):  # fmt: skip
        assert old not in index, f"{out}: {old!r}"
    readme = _readme()
    assert "with training, validation and test sets, then (going further)" in readme
    assert "torch.func, torch.compile, losses and optimizers" in readme.replace("`", "")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_home_page_names_the_whole_course_and_the_site_root(site: Path, out: str) -> None:
    """r12-docs F1: the tagline reaches past tutorial 05; F2: the wheel is at the site's root
    (beside the languages' folders), not under a language's folder, the home page's own address."""
    assert list((site / "dist").glob("pytorch_notes-*-py3-none-any.whl"))
    assert not (site / out / "dist").exists()
    index = plain(soup(site / out / "index.html"))
    said, old = {EN.out: ("Computational graphs and autograd, from logistic regression to "
                        "torch.compile, losses and optimizers, executed.",
                        "Computational graphs, autograd and logistic regression, executed."),
                 ZH.out: ("计算图与自动求导，从逻辑回归讲到 torch.compile、损失函数和优化器——"
                           "每一行代码都真实运行过。", "计算图、自动求导与逻辑回归——")}[out]  # fmt: skip
    assert said in index and old not in index, out


@pytest.mark.parametrize("out", OUT_DIRS)
def test_only_the_symbolically_traced_graph_is_called_a_forward_graph(site: Path, out: str) -> None:
    """r12-docs A2: symbolic_trace's graph holds no backward operations, and autograd records
    as it runs; the linked FX graph entry says AOTAutograd's backward graphs are FX graphs too."""
    gm = torch.fx.symbolic_trace(lambda w, x: (w + x) * (w + 1))
    assert [n.op for n in gm.graph.nodes].count("call_function") == 3
    assert not any("backward" in str(n.target).lower() for n in gm.graph.nodes)
    w = torch.ones(1, requires_grad=True)
    y = gm(w, torch.tensor([2.0]))
    assert type(y.grad_fn).__name__ == "MulBackward0"
    y.backward()
    assert w.grad.item() == 5.0
    said = {EN.out: "The graph symbolic_trace returns (an FX graph) is a forward graph",
            ZH.out: "symbolic_trace 得到的 FX 图只是前向图"}[out]  # fmt: skip
    assert said in row(site, out, "core/plot_02_dynamic_graphs"), out


def test_the_english_glossary_gives_the_chinese_headwords() -> None:
    """r12-docs D1: each English entry's Chinese name is a headword of the Chinese glossary
    (kink is 折点, not 尖点); a parenthesis after the name (对数几率（logit）) is the zh form."""

    def entries(lang: str) -> list[tuple[list[str], str]]:
        body = (ROOT / "docs" / lang / "glossary.md").read_text("utf-8").split(":::{glossary}")[1]
        found, heads = [], []
        for line in body.split("\n"):
            if line and not line.startswith((" ", ":::")):
                heads.append(line)
            elif line.startswith("  ") and heads:
                found.append((heads, line.strip()))
                heads = []
        return found

    zh_heads = {head for heads, _ in entries(ZH.source) for head in heads}
    missing = []
    for heads, first in entries(EN.source):
        name = first.split(". ")[0]
        names = {name, re.sub(r"（.*）$", "", name), *(part.strip() for part in name.split("/"))}
        if not names & zh_heads:
            missing.append((heads, name))
    assert not missing, missing
    assert "尖点" not in (ROOT / "docs" / EN.source / "glossary.md").read_text("utf-8")


def test_zh_docs_wording_r12(site: Path) -> None:
    """r12-docs E1-E5: the concept map's define-by-run words, the Dynamo row's parenthesis,
    最后是一个 output, 仍需要新的图, and 单元格 for a notebook cell everywhere."""
    summary = soup(site / ZH.out / "summary.html")
    words = " ".join(img.get("alt", "") for img in summary.select("img"))  # E1: the concept map
    assert "边运行边搭建" in words and "先搭建，后运行：torch.fx" in words
    assert "边运算边搭建" not in words and "先搭建后运算" not in words
    text = row(site, ZH.out, "further/plot_10_pytorch2_graphs")  # E2, E4
    assert "在函数的字节码执行之前）捕获 FX 图并交给后端，图中断之后的代码" in text
    assert "才捕获）捕获" not in text and "仍需要新的图" in text
    fx = entry(site, ZH.out, "FX 图")  # E3
    assert "最后是一个 output" in fx and "最后一个 output" not in fx
    index = plain(soup(site / ZH.out / "index.html"))  # E5
    note = plain(soup(site / ZH.out / "tutorials" / "core" / "plot_01_computational_graph.html"))
    for page in (index, note):
        assert "笔记本的第一个单元格会自动安装所需的包" in page
        assert "第一个单元会" not in page and "会自行安装" not in page
