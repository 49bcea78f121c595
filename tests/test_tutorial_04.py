"""Tutorial 04, autograd's traps, as built in both languages.

Every check reads the built pages. Behaviour the page demonstrates (an error
torch raises, whether a tensor is a leaf) is reproduced here with torch on code
written here, and the page must show what torch does; numbers come from the
calculus (the gradient of (w + x)(w + 1) is 2w + x + 1) or finite differences.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import torch
from conftest import EN, GALLERY, OUT_DIRS, ZH, first_missing, printed_lines, soup
from test_summary import rows

PAGE = "tutorials/core/plot_04_autograd_traps.html"


def straight(text: str) -> str:
    """The page's English text with Sphinx's curly quotes made straight again."""
    return text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')


def page_text(site: Path, out: str) -> str:
    """The page's whole text, whitespace collapsed, quotes straight."""
    return straight(" ".join(soup(site / out / PAGE).get_text().split()))


def lines_of(site: Path, out: str) -> list[str]:
    return printed_lines(site / out / PAGE)


def first_sentence(error: BaseException) -> str:
    return str(error).split(". ")[0].rstrip(".") + "."


def gradient(w: float, x: float = 2.0) -> float:
    """d/dw of (w + x)(w + 1), by the product rule."""
    return (w + 1) + (w + x)


def tensor_text(value: float) -> str:
    """How torch prints a one-element float32 tensor holding ``value``."""
    return str(torch.tensor([value]))


# -- trap 1: accumulation --------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_gradients_accumulate_then_are_cleared(site: Path, out: str) -> None:
    g = gradient(1.0)
    expected = [f"iteration {i}: w.grad = {tensor_text(g * (i + 1))}" for i in range(4)]
    expected += ["after w.grad.zero_(): w.grad = tensor([0.])"]
    expected += [f"iteration {i}: w.grad = {tensor_text(g)}" for i in range(4)]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


def second_step(set_to_none: bool) -> float:
    w = torch.tensor([1.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    ((w + 2) * (w + 1)).backward()
    opt.step()
    opt.zero_grad(set_to_none=set_to_none)
    before = w.item()
    opt.step()
    return w.item() - before


@pytest.mark.parametrize("out", OUT_DIRS)
def test_an_optimizer_skips_a_none_gradient_but_steps_a_zero_one(site: Path, out: str) -> None:
    none, zeros = second_step(True), second_step(False)
    assert none == 0.0
    assert zeros == pytest.approx(-0.1 * 0.9 * gradient(1.0))  # the momentum buffer alone
    expected = [
        f"grad None:  second step moved w by {none:+.3f}",
        f"grad zeros: second step moved w by {zeros:+.3f}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"
    page = soup(site / out / PAGE).get_text()
    assert f"{zeros:+.3f}".lstrip("+") in page.replace("−", "-")  # the summary's number


def zero_gradient_steps(make: object, real_steps: int) -> float:
    """How far three steps on a zero gradient move w, after ``real_steps`` with grad 5."""
    w = torch.tensor([1.0], requires_grad=True)
    opt = make([w])  # type: ignore[operator]
    for _ in range(real_steps):
        w.grad = torch.tensor([5.0])
        opt.step()
    before = w.item()
    for _ in range(3):
        w.grad = torch.zeros(1)
        opt.step()
    return w.item() - before


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_zero_gradient_moves_a_parameter_through_weight_decay_or_earlier_state(
    site: Path, out: str
) -> None:
    # R6-A2: with a fresh optimizer, momentum and Adam leave a zero-gradient parameter
    # alone; weight decay moves it; after one real step momentum and Adam move it too
    momentum = lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)  # noqa: E731
    adam = lambda p: torch.optim.Adam(p, lr=0.1)  # noqa: E731
    decay = lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01)  # noqa: E731
    assert zero_gradient_steps(momentum, 0) == 0.0 and zero_gradient_steps(adam, 0) == 0.0
    assert zero_gradient_steps(decay, 0) < 0
    assert zero_gradient_steps(momentum, 1) < 0 and zero_gradient_steps(adam, 1) < 0
    # R6-F2: the buffer rule the page states, v <- 0.9 v + g starting at v = g
    w = torch.tensor([1.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = torch.tensor([gradient(1.0)])
    opt.step()
    assert torch.equal(opt.state[w]["momentum_buffer"], w.grad)
    w.grad = torch.zeros(1)
    opt.step()
    assert opt.state[w]["momentum_buffer"].item() == pytest.approx(0.9 * gradient(1.0))
    text = page_text(site, out)
    said = {
        EN.out: ["a zero one can still move the parameter, through weight decay or through state "
               "that carries earlier gradients (momentum, Adam's averages)",
               "0.9 \\cdot 5 + 0 = 4.5", "a zero gradient is not enough, as weight decay "
               "moves it, and so do momentum and Adam after earlier steps",
               "a zero one can still move it (weight decay; momentum after a step: -0.450)"],
        ZH.out: ["梯度为 0 的参数仍可能被移动：原因是权重衰减，或者优化器状态里还留着之前的梯度",
                  "0.9 \\cdot 5 + 0 = 4.5", "只让梯度为 0 是不够的：权重衰减会移动它；"
                  "如果之前已经更新过几步，动量和 Adam 也会移动它",  # R12-E1: as the summary
                  "梯度为 0 的参数仍可能被移动（权重衰减；或更新过一步之后的动量：-0.450）"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    for wrong in ("之前已经走过几步时", "走过一步后的动量"):
        assert wrong not in text, f"{out}: {wrong!r}"
    links = [a.get_text() for a in soup(site / out / PAGE).select("article a.reference")]
    assert {EN.out: "momentum buffer", ZH.out: "动量缓冲区"}[out] in links
    row = rows(site, out)["core/plot_04_autograd_traps"]
    for wrong in (
        "still moves it when momentum or weight decay is on",
        "momentum, weight decay or Adam still move it",
        "a zero one still moves the parameter when momentum",
        "with momentum, weight decay or Adam a zero gradient still moves it",
        "只要开了动量或权重衰减，照样会被移动",
        "开了动量或权重衰减照样会移动参数",
        "有动量、权重衰减或用 Adam 时，零梯度也会让它移动",
        "走过一步之后",
    ):  # fmt: skip  (r13: the summary row as the page: 更新过一步)
        assert wrong not in text and wrong not in row, f"{out}: {wrong!r}"
    said_row = {
        EN.out: ["through weight decay or through state carried from earlier steps",
               "by momentum or Adam after earlier steps"],
        ZH.out: ["原因是权重衰减，或者之前各步留下的状态", "如果之前已经更新过几步，动量和 Adam 也会移动它"],
    }[out]  # fmt: skip
    for sentence in said_row:
        assert sentence in row, f"{out}: {sentence!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_one_pass_sums_the_paths_before_grad_and_adds_into_it_once(site: Path, out: str) -> None:
    # R6-A3: the two paths from w to y are summed by the engine; .grad is added to once
    # per pass, with that pass's whole gradient
    w = torch.tensor([1.0], requires_grad=True)
    arriving: list[torch.Tensor] = []
    w.register_hook(lambda g: arriving.append(g.clone()))
    for _ in range(2):
        ((w + 2) * (w + 1)).backward()
    assert [g.item() for g in arriving] == [gradient(1.0)] * 2  # one call per pass, both paths
    text = page_text(site, out)
    said = {
        EN.out: "are summed inside the pass, before anything reaches .grad: one addition per pass",
        ZH.out: "两条路径在一次反向传播内部就已相加，之后才写入 .grad：每次反向传播只往里加一次",
    }[out]
    assert said in text, f"{out}: {said!r}"
    for wrong in (
        "Inside one pass adding is what the chain rule asks",
        "累加本来就是链式法则的要求",
    ):
        assert wrong not in text, f"{out}: {wrong!r}"


def gradient_descent_lines() -> list[str]:
    """Three steps of w <- w - 0.1 * grad from w = 1, computed in float64."""
    w, lines = 1.0, []
    for i in range(3):
        lines.append(f"step {i}: w = {tensor_text(w)}, w.grad = {tensor_text(gradient(w))}")
        w -= 0.1 * gradient(w)
    return lines


@pytest.mark.parametrize("out", OUT_DIRS)
def test_optimizer_steps_and_the_hand_written_exercise_agree_with_the_calculus(
    site: Path, out: str
) -> None:
    steps = gradient_descent_lines()
    assert steps[1] == "step 1: w = tensor([0.5000]), w.grad = tensor([4.])"
    lines = lines_of(site, out)
    # once with torch.optim.SGD (trap 1), once by hand (exercise 1)
    missing = first_missing(steps + steps, lines)
    assert missing is None, f"{out}: {missing!r} not shown twice"


# -- trap 2: leaves and requires_grad ---------------------------------------------


def leaf_line(name: str, t: torch.Tensor) -> str:
    grad_fn = t.grad_fn.name() if t.grad_fn is not None else None
    return (
        f"{name:<9} is_leaf={t.is_leaf!s:<6} requires_grad={t.requires_grad!s:<6} grad_fn={grad_fn}"
    )


@pytest.mark.parametrize("out", OUT_DIRS)
def test_requires_grad_spreads_only_through_differentiable_operations(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    c = torch.tensor([2.0])
    cases = [("w * 2", w * 2), ("c * 2", c * 2), ("w > 0", w > 0), ("w.long()", w.long())]
    cases.append(("w.floor()", w.floor()))
    expected = [leaf_line(name, t) for name, t in cases]
    # a computed tensor can be a leaf; an input that requires grad is not enough
    assert expected[1] == "c * 2     is_leaf=True   requires_grad=False  grad_fn=None"
    assert expected[2] == "w > 0     is_leaf=True   requires_grad=False  grad_fn=None"
    assert expected[0].startswith("w * 2     is_leaf=False")
    # what decides is the dtype, not a zero gradient: floor requires grad, its gradient
    # is 0; a comparison turned back into float still does not
    assert w.floor().requires_grad and not (w > 0).float().requires_grad
    assert expected[4].startswith("w.floor() is_leaf=False  requires_grad=True")
    w.floor().backward()
    expected.append(f"d floor(w)/dw = {w.grad}")
    assert torch.equal(w.grad, torch.zeros(1))
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_grad_modes_table_shows_what_each_records(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    results = {"(default)": w * 2}
    with torch.no_grad():
        results["no_grad()"] = w * 2
        with torch.enable_grad():
            results["enable_grad() in no_grad()"] = w * 2
    with torch.set_grad_enabled(False):
        results["set_grad_enabled(False)"] = w * 2
    with torch.inference_mode():
        results["inference_mode()"] = w * 2
        with torch.enable_grad():
            results["enable_grad() in inference"] = w * 2
    results["w.detach() * 2"] = w.detach() * 2
    v = torch.ones(1, requires_grad=True).requires_grad_(False)
    results["v.requires_grad_(False) * 2"] = v * 2
    expected = []
    for mode, t in results.items():
        fn = t.grad_fn.name() if t.grad_fn is not None else "None"
        expected.append(f"{mode:<28} {t.requires_grad!s:<14} {fn:<13} {t.is_inference()}")
    # enable_grad() records again inside no-grad mode, not inside inference mode
    assert [t.requires_grad for t in results.values()].count(True) == 2
    inside = results["enable_grad() in inference"]
    assert (inside.requires_grad, inside.grad_fn, inside.is_inference()) == (False, None, True)
    # no_grad() and set_grad_enabled(False) are one mode: the same row
    assert expected[1].split()[1:] == expected[3].split()[1:]
    t = results["inference_mode()"]
    assert (w + t).grad_fn is not None  # an inference tensor may be an input ...
    with pytest.raises(RuntimeError) as caught:
        w * t  # ... but cannot be saved for backward
    expected += [
        f"w + t: grad_fn = {(w + t).grad_fn.name()}  (addition saves nothing)",
        f"w * t: RuntimeError: {first_sentence(caught.value)}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_requires_grad_rule_is_stated_for_the_default_grad_mode(site: Path, out: str) -> None:
    # R3-A3: inside inference_mode(), enable_grad() turns the grad-mode flag on and
    # still nothing is recorded, so "while grad mode is on" was not the condition
    w = torch.tensor([1.0], requires_grad=True)
    with torch.inference_mode(), torch.enable_grad():
        assert torch.is_grad_enabled() and torch.is_inference_mode_enabled()
        assert not (w * 2).requires_grad
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {
        EN.out: ["in the default grad mode (outside no_grad() and inference_mode(), or back in "
               "it through enable_grad() inside no_grad()",
               "In the default grad mode, a differentiable operation",
               "evaluation wants both, eval() and no_grad() (or inference_mode())"],
        ZH.out: ["在默认的梯度模式下（不在 no_grad() 或 inference_mode() 里，或在 no_grad() "
                  "里用 enable_grad() 重新打开",
                  "在默认的梯度模式下，可求导运算的结果",
                  "评估时两样都要：eval()，再加上 no_grad()（或 inference_mode()）",
                  "无梯度模式，即 no_grad()：", "推理模式，即 inference_mode()"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    for wrong in ("While grad mode is on", "while grad mode is on", "a grad mode.",
                  "梯度模式开启时", "加一种梯度模式", "no-grad 模式",
                  "（no-grad mode）"):  # R6-E5: the glossary link gives the English  # fmt: skip
        assert wrong not in text, f"{out}: {wrong!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_summary_rows_of_this_page_say_what_the_page_shows(site: Path, out: str) -> None:
    # R3-A5: enable_grad() records again inside no_grad() only (the page's table), and
    # the exercise has two bugs plus a habit, not "three traps" with .data among them
    with torch.inference_mode(), torch.enable_grad():
        assert not (torch.ones(1, requires_grad=True) * 2).requires_grad
    row = rows(site, out)["core/plot_04_autograd_traps"]
    said = {
        EN.out: ["enable_grad() to record again inside no_grad() (not inside inference_mode() )",
               "a loop with two bugs", ".data is a habit to drop, not the bug"],
        ZH.out: ["enable_grad() 可以在 no_grad() 里重新开启记录（在 inference_mode() 里不行）",
                  "有两个错误的训练循环", ".data 不是错误所在"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in row, f"{out}: {sentence!r}"
    assert "three traps" not in row and "三个陷阱俱全" not in row


def test_zh_phrasing_of_round_5() -> None:
    # R5-E3, E5: the rewordings stay
    script = (GALLERY / ZH.gallery / "core" / "plot_04_autograd_traps.py").read_text()
    assert (
        "下面在每种情况下各算一次 :math:`2w`" in script and "各自对 :math:`2w` 用一次" not in script
    )
    assert "并逐一验证修正后的效果" in script and "逐一验证每个修正" not in script


def test_zh_phrasing_of_round_6() -> None:
    # R6-E1: one word for error messages; R6-E3: no calque of "moves w by -0.1 times"
    script = (GALLERY / ZH.gallery / "core" / "plot_04_autograd_traps.py").read_text()
    assert "错误信息" not in script and "报错信息的第一句" in script
    assert "每一步让 :math:`w`\n# 减去 0.1 乘以这一步的梯度" in script
    assert "移动 :math:`-0.1` 乘以" not in script


@pytest.mark.parametrize("out", OUT_DIRS)
def test_eval_does_not_stop_recording_and_a_frozen_weight_stays(site: Path, out: str) -> None:
    model = torch.nn.Linear(1, 1).eval()
    x = torch.tensor([2.0])
    assert model(x).requires_grad
    # R4-A1: frozen before the forward pass, autograd records nothing for the weight
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        model(x)
        trainable = len(saved)
        model.weight.requires_grad_(False)
        model(x)
    counts = (trainable, len(saved) - trainable)
    assert counts == (1, 0)
    # R5-A2: what freezing spares here is the input x, saved for the weight's gradient
    assert torch.equal(saved[0].flatten(), x)
    expected = [
        "after eval(): model(x).requires_grad = True",
        f"forward pass saves: {counts[0]} tensor with a trainable weight, {counts[1]} frozen",
        f"the tensor saved: {saved[0].flatten()}, the input x = {x}",
        "frozen weight: grad = None, unchanged: True",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"
    # ... and in a layer whose input requires grad, the frozen weight is still saved
    h = torch.tensor([2.0], requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        model(h)
    assert any(torch.equal(t.flatten(), model.weight.detach().flatten()) for t in saved)
    text = page_text(site, out)
    said = {
        EN.out: ["no gradient is computed for it, and what is saved follows each operation's "
               "backward formula (nn.Linear no longer saves the input x, the one tensor saved "
               "below, and keeps its weight, which the input's gradient needs, only when its "
               "input requires grad, as deeper in a network; nn.Conv2d keeps input and weight while anything it uses, weight, bias or "
               "input, requires grad)",
               "BatchNorm's running statistics still move in training mode: a frozen part that "
               "holds BatchNorm also needs .eval(), again after every model.train()",
               "tutorial 05 introduces nn.Module",  # R5-F2
               "model.train() switches back"],
        ZH.out: ["nn.Linear（本页的例子）不再保存求权重梯度要用的张量，这里就是输入 x",
                  "nn.Conv2d 则不同：只要权重、偏置或输入中有一个需要梯度，它就同时保存输入和权重",
                  "训练模式下它们照样更新",
                  "而且每次 model.train() 之后都要重新调用",
                  "它才保存权重，因为求输入的梯度要用到它",
                  "nn.Module 在第 05 篇介绍",
                  "model.train() 再切回来"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    # R10-A1: a frozen Conv2d weight still has its input saved while the bias trains ...
    conv = torch.nn.Conv2d(1, 1, 3)
    conv.weight.requires_grad_(False)
    image = torch.randn(1, 1, 5, 5)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        conv(image)
    assert any(t.shape == image.shape for t in saved)
    # R11-A1: ... and with weight and bias frozen, an input that requires grad keeps both saved
    conv.bias.requires_grad_(False)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        conv(image.requires_grad_())
    assert sorted(t.shape for t in saved) == sorted([image.shape, conv.weight.shape])
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        conv(image.detach())
    assert saved == []  # nothing it uses requires grad: nothing saved
    # ... and freezing leaves BatchNorm's running statistics moving in training mode
    norm = torch.nn.BatchNorm1d(2).requires_grad_(False)
    norm(torch.randn(8, 2) + 3)
    assert not torch.equal(norm.running_mean, torch.zeros(2))
    before = norm.eval().train().running_mean.clone()  # R11-F2: train() undoes the eval()
    norm(torch.randn(8, 2) + 3)
    assert not torch.equal(norm.running_mean, before)
    for wrong in ("records nothing for it (nothing saved", "不会为它记录任何东西",
                  "saves nothing for that gradient", "也不保存求这个梯度要用的张量",
                  "so that it gets no gradient", "让它得不到梯度"):  # fmt: skip
        assert wrong not in text, f"{out}: {wrong!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_inference_tensors_are_not_to_be_relied_on_and_a_clone_is_ordinary(
    site: Path, out: str
) -> None:
    # R5-F4: w + t works, but the docs promise only that inference tensors cannot be
    # used in recorded computations; a clone made outside the mode is ordinary
    w = torch.tensor([1.0], requires_grad=True)
    with torch.inference_mode():
        t = w * 2
    copy = t.clone()
    assert t.is_inference() and not copy.is_inference()
    expected = [
        f"t_copy.is_inference() = {copy.is_inference()}",
        f"w * t_copy: grad_fn = {(w * copy).grad_fn.name()}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"
    doc = " ".join((torch.inference_mode.__doc__ or "").split())
    assert "cannot be used in computations recorded by autograd" in doc
    text = page_text(site, out)
    said = {
        EN.out: ["don't rely on it: the docs of inference_mode say such tensors \"cannot be used "
               "in computations recorded by autograd\"", "t.clone(), outside the mode, is an "
               "ordinary tensor"],
        ZH.out: ["但不要依赖这一点", "在推理模式之外调用 t.clone()，得到的是普通张量"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    assert "they may still be inputs of a recorded operation" not in text
    # R12-A1: inference mode records even a create_graph=True backward pass not at all;
    # no_grad() records it
    x = torch.tensor([3.0], requires_grad=True)
    y = x**2
    with torch.inference_mode():
        (d,) = torch.autograd.grad(y, x, create_graph=True)
    assert not d.requires_grad and d.grad_fn is None
    y = x**2
    with torch.no_grad():
        (d,) = torch.autograd.grad(y, x, create_graph=True)
    assert d.requires_grad and torch.equal(torch.autograd.grad(d, x)[0], torch.tensor([2.0]))
    said = {
        EN.out: "it records nothing, not even a backward pass with create_graph=True (no_grad() does "
        "not stop that one)",
        ZH.out: "它什么都不记录，连 create_graph=True 的反向传播也不记录（在 no_grad() 下则照样记录）",
    }[out]
    assert said in text, f"{out}: {said!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_page_links_its_terms_to_the_glossary(site: Path, out: str) -> None:
    # R5-F3/F5: the glossary entries that point back to this page are linked from it
    terms = {
        EN.out: ["grad modes", "no-grad mode", "inference mode", "inference tensors",
               "version counter", "anomaly detection", "weight decay"],  # R7-F2: weight decay
        ZH.out: ["梯度模式", "无梯度模式", "推理模式", "推理张量", "版本计数器", "异常检测",
                  "权重衰减"],
    }[out]  # fmt: skip
    linked = {
        a.get_text()
        for a in soup(site / out / PAGE).select("article a.reference")
        if "glossary.html#term-" in a.get("href", "")
    }
    missing = [term for term in terms if term not in linked]
    assert not missing, f"{out}: {missing}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_anomaly_detection_shows_the_forward_line_of_a_changed_saved_tensor(
    site: Path, out: str
) -> None:
    # R5-F5: the message names no line; under detect_anomaly() torch warns with the
    # traceback of the forward call, and the plain message suggests it. How to run it
    # is tutorial 07's (tested there); this page points to it (trimmed for length)
    def run() -> None:
        w = torch.tensor([1.0], requires_grad=True)
        a = w + 2
        y = a * (w + 1)
        a.mul_(2)
        y.backward()

    with pytest.raises(RuntimeError) as plain:
        run()
    assert "anomaly detection" in str(plain.value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly(), pytest.raises(RuntimeError):
            run()
    assert any("Traceback of forward call" in str(w.message) for w in caught)
    # R6-A1: the traceback ends at the forward line of the operation that saved the
    # tensor, not at the line that changed it; and the message names the tensor only
    # by type and shape (a leaf) or also by an operation it is the output of (a non-leaf,
    # R7-A1: tested in test_the_in_place_error_names_an_op_the_tensor_is_the_output_of)
    (traceback,) = [str(w.message) for w in caught if "Traceback of forward" in str(w.message)]
    assert "y = a * (w + 1)" in traceback and "a.mul_(2)" not in traceback
    assert "[torch.FloatTensor [1]], which is output 0 of" in str(plain.value)
    w = torch.tensor([1.0], requires_grad=True)
    y = w * torch.tensor([2.0], requires_grad=True)
    with torch.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError) as leaf:
        y.backward()
    assert "[torch.FloatTensor [1]] is at version 1" in str(leaf.value)  # nothing more
    page = soup(site / out / PAGE)
    text = straight(" ".join(page.get_text().split()))
    said = {
        EN.out: ["never the line. Under anomaly detection",
               "a warning adds the forward line of the operation that saved it: the change came "
               "after that line"],
        ZH.out: ["但不会指出是哪一行代码。开启异常检测后",
                  "会有一条警告给出保存它的那个运算的前向代码行：改动发生在这一行之后"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    for wrong in ("The error says which tensor changed", "to find the line, see",
                  "报错信息说明了是哪个", "要找到这一行，见"):  # fmt: skip
        assert wrong not in text, f"{out}: {wrong!r}"
    links = [a.get("href", "") for a in page.select("article a.reference")]
    assert any(h.startswith("../further/plot_07_autograd_internals.html") for h in links)


# -- trap 3: in-place operations and the version counter -------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_in_place_keeps_the_object_and_is_recorded(site: Path, out: str) -> None:
    expected = [
        "a = a + one: a = tensor([2.]), same object: False, same memory: False",
        "a += one:    a = tensor([2.]), same object: True, same memory: True",
        "u = t * 2:       u.grad_fn = MulBackward0",
        "after u.add_(1): u.grad_fn = AddBackward0",
        "t.grad = tensor([2.])",  # d(2t + 1)/dt
    ]
    assert first_missing(expected, lines_of(site, out)) is None


@pytest.mark.parametrize("out", OUT_DIRS)
def test_in_place_prose_names_examples_not_a_list(site: Path, out: str) -> None:
    # R6-A5b: underscores that change no data are more than two (share_memory_ too);
    # R6-F3: data_ptr() is the address of the first element
    t = torch.ones(2)
    for method in (t.requires_grad_, t.detach_, t.share_memory_):
        method()
    assert t._version == 0
    base = torch.arange(4.0)
    assert base[1:].data_ptr() == base.data_ptr() + base.element_size()
    text = page_text(site, out)
    said = {
        EN.out: ["some underscores, such as requires_grad_() and detach_(), are not",
               "(data_ptr(): the address of its first element)"],
        ZH.out: ["但有些带下划线的方法不是，例如 requires_grad_() 和 detach_()",
                  "（data_ptr() 返回张量第一个元素的内存地址）"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"
    assert "are exceptions among the underscores" not in text and "则是例外" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_leaf_that_requires_grad_refuses_in_place_and_no_grad_allows_it(
    site: Path, out: str
) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as caught:
        w.add_(1)
    expected = [
        f"RuntimeError: {first_sentence(caught.value)}",
        "before: w = tensor([1.]), w._version = 0",
        "after:  w = tensor([0.5000]), w._version = 1",
        "        is_leaf=True, grad_fn=None",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_version_counter_catches_a_changed_saved_tensor(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    a = w + 2
    y = a * (w + 1)
    a.mul_(2)
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    expected = [
        "before a.mul_(2): a._version = 0",
        "after  a.mul_(2): a._version = 1",
        f"RuntimeError: {first_sentence(caught.value)}",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


def in_place_error(make: str, change: str, *, recorded: bool = True, saved: str = "input") -> str:
    """The op the in-place error names, after ``a = make(w)`` is changed by ``change``."""
    w = torch.tensor([1.0], requires_grad=True)
    a = getattr(torch, make)(w)
    y = a * (w + 1) if saved == "input" else a  # exp saves its output
    with torch.set_grad_enabled(recorded):
        getattr(a, change)(2)
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    found = re.search(r"which is output 0 of (\w+?)(?:Backward\d*)?,", str(caught.value))
    assert found, str(caught.value)
    return found.group(1)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_in_place_error_names_an_op_the_tensor_is_the_output_of(site: Path, out: str) -> None:
    # R7-A1: the op named is often the recorded in-place change, not the op that made the
    # tensor; unrecorded (no_grad), or saved as an output, it is the op that made it
    assert in_place_error("exp", "mul_") == "Mul"
    assert in_place_error("exp", "mul_", recorded=False) == "Exp"
    assert in_place_error("exp", "add_", saved="output") == "Exp"
    # the page's own example tells the two apart: a made by an addition, changed by mul_
    w = torch.tensor([1.0], requires_grad=True)
    a = torch.add(w, torch.tensor([2.0]))
    y = torch.mul(a, torch.add(w, 1))
    a.mul_(2)
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    line = f"RuntimeError: {first_sentence(caught.value)}"
    assert re.search(r"output 0 of Mul", line) and "of Add" not in line
    assert line in lines_of(site, out)
    text = " ".join(soup(site / out / PAGE).get_text().split())
    # the math renders twice in the page's text (MathML and TeX): "a=6a = 6"
    changed = {EN.out: "use a=6a = 6 for a yy computed with a=3a = 3",
               ZH.out: "用的是 a=6a = 6，而 yy 是用 a=3a = 3 算出来的"}[out]  # fmt: skip
    assert changed in text, f"{out}: {changed!r}"
    said = {EN.out: "The message names the tensor by type, shape and, for a non-leaf, an operation it "
                  "is the output of: often the recorded in-place one that changed it (here the "
                  "multiplication a.mul_(2), though an addition made a), never the line.",
            ZH.out: "非叶子节点还会给出一个以它为输出的运算，常常就是改动它的、被记录下来的原位操作"
                     "（这里是 a.mul_(2) 的乘法，而创建 a 的是加法），但不会指出是哪一行代码。"}[out]  # fmt: skip
    assert said in text, f"{out}: {said!r}"
    assert "the operation that made it, not by the line" not in text and "创建它的运算" not in text


@pytest.mark.parametrize("out", OUT_DIRS)
def test_no_grad_edit_before_backward_raises_on_w_times_x_not_on_w_plus_x(
    site: Path, out: str
) -> None:
    x = torch.tensor([2.0], requires_grad=True)
    w = torch.tensor([1.0], requires_grad=True)
    y = w * x
    with torch.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    message = first_sentence(caught.value)
    assert "modified by an inplace operation" in message and "is at version 1" in message
    expected = [
        f"MulBackward0: RuntimeError: {message}",
        "AddBackward0: backward works, w.grad = tensor([1.])",
    ]
    missing = first_missing(expected, lines_of(site, out))
    assert missing is None, f"{out}: {missing!r} not shown"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_a_change_through_data_is_not_counted_and_goes_wrong_silently(site: Path, out: str) -> None:
    w = torch.tensor([1.0], requires_grad=True)
    v = torch.tensor([2.0], requires_grad=True)
    y = w * v
    w.data.sub_(0.5)
    y.backward()  # no error: the version counter did not see the change
    assert w._version == 0 and v.grad.item() == 0.5
    line = f"after w.data.sub_(0.5): w._version = {w._version}, v.grad = {v.grad}  (should be 1)"
    assert line in lines_of(site, out)
    # R6-C2: the page reads the internal _version to look, and asserts only public facts
    for lang in (EN.gallery, ZH.gallery):
        script = (GALLERY / lang / "core" / "plot_04_autograd_traps.py").read_text()
        asserts = [line for line in script.splitlines() if line.startswith("assert ")]
        assert asserts and not [a for a in asserts if "_version" in a], lang
    # R6-D1: the GAN case is a mistake pattern, said as a condition in both languages
    text = page_text(site, out)
    said = {
        EN.out: "as when a GAN's discriminator step runs between the discriminator's forward pass "
              "and the generator's backward()",
        ZH.out: "GAN 中判别器的更新步骤夹在判别器的前向传播和生成器的 backward() 之间时就是这样",
    }[out]  # fmt: skip
    assert said in text, f"{out}: {said!r}"
    assert "as a GAN's discriminator step does" not in text


# -- exercises ----------------------------------------------------------------------


def exercise_2(update: str, clear: bool) -> str:
    """Exercise 2's loop run here, each update written out, reported as the page reports it."""
    w, visited = torch.tensor([1.0], requires_grad=True), []
    for i in range(3):
        visited.append(round(w.item(), 4))
        try:
            ((w + 2) * (w + 1)).backward()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # .grad of a non-leaf
                grad = w.grad
            if update == "w = w - 0.1 * w.grad":
                w = w - 0.1 * grad
            elif update == "no_grad(): w = w - 0.1 * w.grad":
                with torch.no_grad():
                    w = w - 0.1 * grad
            elif update == "no_grad(): w -= 0.1 * w.grad":
                with torch.no_grad():
                    w -= 0.1 * grad
            else:
                w.data -= 0.1 * grad
        except (TypeError, RuntimeError) as error:
            state = f"w.is_leaf = {w.is_leaf}, w.requires_grad = {w.requires_grad}"
            return f"step {i}: {state}; {type(error).__name__}: {first_sentence(error)}"
        if clear:
            w.grad = None
    return f"visited w = {visited}, final w = {w.detach()}, w.grad = {w.grad}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercise_2_shows_each_bug_and_each_fix_working(site: Path, out: str) -> None:
    given, no_grad_only = "w = w - 0.1 * w.grad", "no_grad(): w = w - 0.1 * w.grad"
    in_place, data = "no_grad(): w -= 0.1 * w.grad", "w.data -= 0.1 * w.grad"
    runs = {
        (given, False): exercise_2(given, False),
        (no_grad_only, False): exercise_2(no_grad_only, False),
        (in_place, False): exercise_2(in_place, False),
        (in_place, True): exercise_2(in_place, True),
        (data, False): exercise_2(data, False),
        (data, True): exercise_2(data, True),
    }
    # bug 1: the loop as given fails at the second step, w rebound to a non-leaf
    assert runs[given, False] == (
        "step 1: w.is_leaf = False, w.requires_grad = True; "
        "TypeError: unsupported operand type(s) for *: 'float' and 'NoneType'."
    )
    # R3-A1: no_grad() around the rebinding is not the fix: the next backward() raises
    assert runs[no_grad_only, False].startswith(
        "step 1: w.is_leaf = True, w.requires_grad = False; RuntimeError: element 0 of tensors"
    )
    # bug 1 fixed (in place, under no_grad): runs, but with running totals (bug 2) ...
    totals, w = [], 1.0
    for _ in range(3):
        totals.append(gradient(w) + (totals[-1] if totals else 0.0))
        w -= 0.1 * totals[-1]
    assert totals == pytest.approx([5.0, 9.0, 11.2]) and w == pytest.approx(-1.52)
    assert runs[in_place, False].endswith(
        f"final w = {tensor_text(w)}, w.grad = {tensor_text(totals[-1])}"
    )
    # ... and clearing fixes bug 2: exercise 1's w; .data gives the same numbers
    w = 1.0
    for _ in range(3):
        w -= 0.1 * gradient(w)
    assert runs[in_place, True].endswith(f"final w = {tensor_text(w)}, w.grad = None")
    assert w == pytest.approx(-0.22)
    assert runs[data, False] == runs[in_place, False] and runs[data, True] == runs[in_place, True]
    # R5-B2: the warning that points at bug 1 is shown under that run, not silenced
    w = torch.tensor([1.0], requires_grad=True) * 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert w.grad is None
    clue = f"    UserWarning: {first_sentence(caught[0].message)}"
    assert "not a leaf" in clue
    expected = []
    for (update, clear), result in runs.items():
        expected += [f"{update}{'; w.grad = None' if clear else ''}:", f"    {result}"]
        if (update, clear) == (given, False):
            expected.append(clue)
    lines = lines_of(site, out)
    missing = first_missing(expected, lines)
    assert missing is None, f"{out}: {missing!r} not shown"
    assert lines.count(clue) == 1  # under the loop as given only
    # the solution names the rebinding as bug 1, and no_grad() alone as no fix
    text = page_text(site, out)
    said = {
        EN.out: ["rebinds w to a new tensor", "Under no_grad() alone the new w requires no grad",
               "PyTorch's warning, printed under that run, points at it"],
        ZH.out: ["把名字 w 绑到了一个新张量上", "只把这一行放进 no_grad() 还不够",
                  "输出中紧跟在这次运行后面的 PyTorch 警告指出了这一点"],
    }[out]  # fmt: skip
    for sentence in said:
        assert sentence in text, f"{out}: {sentence!r}"


@pytest.mark.parametrize("out", OUT_DIRS)
def test_an_exercise_asks_for_code_in_an_empty_cell(site: Path, out: str) -> None:
    """The exercises ask for code to write (the rules every page keeps, folded and executed
    solutions among them: tests/test_every_tutorial.py)."""
    empty_cell = {EN.out: "In an empty cell", ZH.out: "在一个空白单元格里"}[out]
    assert empty_cell in soup(site / out / PAGE).get_text()


# -- the page as a whole --------------------------------------------------------------


@pytest.mark.parametrize("out", OUT_DIRS)
def test_page_opens_with_what_it_assumes_and_ends_with_next(site: Path, out: str) -> None:
    links = [a.get("href", "") for a in soup(site / out / PAGE).select("article a.reference")]
    tutorial_links = [h for h in links if re.match(r"plot_\d\d_", h)]
    assert tutorial_links[0].startswith("plot_01_computational_graph.html")
    assert tutorial_links[1].startswith("plot_03_autograd.html")
    assert tutorial_links[-1].startswith("plot_05_logistic_regression.html")


@pytest.mark.parametrize("out", OUT_DIRS)
def test_tutorial_list_and_tutorial_03_link_the_page(site: Path, out: str) -> None:
    index = {a.get("href") for a in soup(site / out / "tutorials" / "index.html").select("a")}
    assert "core/plot_04_autograd_traps.html" in index
    previous = {
        a.get("href", "")
        for a in soup(site / out / "tutorials/core/plot_03_autograd.html").select("article a")
    }
    assert "plot_04_autograd_traps.html" in previous


def test_order_check_catches_a_wrong_missing_or_misplaced_value() -> None:
    printed = ["iteration 0: w.grad = tensor([5.])", "iteration 1: w.grad = tensor([10.])"]
    assert first_missing(printed, printed) is None
    assert first_missing(["iteration 1: w.grad = tensor([15.])"], printed) is not None
    assert first_missing(list(reversed(printed)), printed) is not None
    assert first_missing(printed + printed[:1], printed) is not None


@pytest.mark.parametrize("out", OUT_DIRS)
def test_round_8_a_view_taken_in_inference_mode_is_not_an_inference_tensor(
    site: Path, out: str
) -> None:
    """R8-A2: tensors computed in inference_mode are inference tensors; a view of an ordinary
    tensor taken there is not (and keeps requires_grad)."""
    w = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        computed, view = w * 2, w.view(2)
    assert computed.is_inference() and not view.is_inference() and view.requires_grad
    text = " ".join(soup(site / out / PAGE).get_text().split())
    said = {EN.out: "Tensors computed in it (not views of ordinary tensors) are inference tensors",
            ZH.out: "在其中计算出的 张量（普通张量的视图除外）是推理张量"}[out]  # fmt: skip
    assert said.replace(" ", "") in text.replace(" ", ""), out
