"""Tutorial 13 (what the graph costs in memory) as built: each printed table is recomputed
here by another route (autograd's own saved-tensor attributes, formulas, a fresh run), and
the prose's numbers are the ones the page printed."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import EN, GALLERY, OUT_DIRS, ZH, printed, soup
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils.checkpoint import checkpoint, set_checkpoint_early_stop

from pytorch_notes.capture import live_memory

PAGE = "tutorials/further/plot_13_graph_memory.html"
ROW = re.compile(r"^(\w+Backward0)\s+(\([\d, ]*\))\s+(\w+)\s+(\d+) B  (new|shared|lives anyway)$")
ACT = 512 * 64 * 4


def text(site: Path, out: str) -> str:
    return printed(site / out / PAGE)


def tables(site: Path, out: str) -> list[list[tuple[str, str, str, int, str]]]:
    """The page's saved-tensor tables, each a list of (node, shape, dtype, bytes, kind)."""
    found, current = [], []
    for line in text(site, out).splitlines():
        match = ROW.match(line)
        if match:
            node, shape, dtype, size, kind = match.groups()
            current.append((node, shape, dtype, int(size), kind))
        elif current:
            found.append(current)
            current = []
    return found


def saved_by_autograd(root: torch.Tensor) -> list[tuple[str, str, int]]:
    """(node, shape, bytes) of every tensor the graph behind ``root`` saved, read from the
    nodes' ``_saved_*`` attributes (internal, used here as an independent reference)."""
    seen, stack, found = set(), [root.grad_fn], []
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        for attr in dir(fn):
            value = getattr(fn, attr) if attr.startswith("_saved_") else None
            if isinstance(value, torch.Tensor):
                found.append((fn.name(), str(tuple(value.shape)), value.nbytes))
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    return sorted(found)


def mlp_and_loss(activation: nn.Module) -> tuple[torch.Tensor, set[int]]:
    torch.manual_seed(0)
    mlp = nn.Sequential(
        nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), activation, nn.Linear(64, 1)
    )
    x, y = torch.randn(32, 16), torch.randint(0, 2, (32, 1)).float()
    loss = F.binary_cross_entropy_with_logits(mlp(x), y)
    anyway = {t.untyped_storage().data_ptr() for t in (x, y, *mlp.parameters())}
    return loss, anyway


@pytest.mark.parametrize("out", OUT_DIRS)
def test_every_saved_tensor_is_on_the_node_autograd_keeps_it_in(site: Path, out: str) -> None:
    found = tables(site, out)
    assert len(found) == 3, f"{out}: {len(found)} tables"
    loss, _ = mlp_and_loss(nn.GELU())
    assert sorted((n, s, b) for n, s, _, b, _ in found[0]) == saved_by_autograd(loss)
    loss, _ = mlp_and_loss(nn.Sigmoid())  # exercise 1
    assert sorted((n, s, b) for n, s, _, b, _ in found[2]) == saved_by_autograd(loss)
    conv = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2)
    )
    out_conv = conv(torch.randn(8, 3, 16, 16)).mean()
    assert sorted((n, s, b) for n, s, _, b, _ in found[1]) == saved_by_autograd(out_conv)
    assert ("MaxPool2DWithIndicesBackward0", "(8, 8, 8, 8)", "int64", 32768, "new") in found[1]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_totals_count_a_storage_once_and_what_lives_anyway_not_at_all(site: Path, out: str) -> None:
    shown = text(site, out)
    totals = re.findall(
        r"^(\d+) saved tensors: (\d+) B counted per tensor, (\d+) B of memory, (\d+) B of it kept",
        shown, re.M,
    )  # fmt: skip
    # MLP: the ReLU output saved twice; the first weight not saved (x needs no gradient)
    mlp = (9, 4 * (32 * 16 + 4 * 32 * 64 + 64 * 64 + 64 + 2 * 32),
           4 * (32 * 16 + 3 * 32 * 64 + 64 * 64 + 64 + 2 * 32), 4 * (3 * 32 * 64 + 32))  # fmt: skip
    conv_new = 2 * 8 * 8 * 16 * 16 * 4 + 8 * 8 * 8 * 8 * 8 + 2 * 8 * 4
    sigmoid = (9, mlp[1], mlp[2] - 32 * 64 * 4, mlp[3] - 32 * 64 * 4)
    assert [tuple(map(int, t)) for t in totals] == [mlp, (11, 254976, 189440, conv_new), sigmoid]


@pytest.mark.parametrize("out", OUT_DIRS)
def test_growth_is_two_activations_per_block(site: Path, out: str) -> None:
    shown = text(site, out)
    for depth in (2, 4, 8):
        kept = [2 * depth * b * 64 * 4 for b in (32, 64, 128, 256, 512)]
        params = depth * (64 * 64 + 64) * 4
        assert f"depth {depth}: kept for backward {kept} B; parameters {params} B" in shown
        assert kept[0] < params < kept[1]  # the prose: from 33 samples on (32: just under)
    assert 2 * 33 * 64 * 4 > (64 * 64 + 64) * 4 > 2 * 32 * 64 * 4


def _stack(depth: int = 8) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(*[m for _ in range(depth) for m in (nn.Linear(64, 64), nn.GELU())])


def _step(model: nn.Sequential, forward) -> tuple[float, float, dict[str, int]]:
    inputs = torch.randn(512, 64)
    model.zero_grad(set_to_none=True)
    with live_memory() as log:
        out = forward(model, inputs)
        after = log.live_bytes
        out.square().mean().backward()
    counts: dict[str, int] = {}
    for op, _ in log.steps:
        counts[op] = counts.get(op, 0) + 1
    return after / ACT, log.peak / ACT, counts


def _segments(blocks: int):
    def forward(model, h):
        for start in range(0, len(model), 2 * blocks):
            h = checkpoint(model[start : start + 2 * blocks], h, use_reentrant=False)
        return h

    return forward


@pytest.mark.parametrize("out", OUT_DIRS)
def test_checkpointing_lines_match_a_fresh_run(site: Path, out: str) -> None:
    shown = text(site, out)
    model = _stack()
    plain = _step(model, lambda m, x: m(x))
    grads = [p.grad.clone() for p in model.parameters()]
    ckpt = _step(model, _segments(2))
    for a, b in zip(grads, model.parameters(), strict=True):
        torch.testing.assert_close(b.grad, a)
    for name, (after, peak, ops) in (("plain", plain), ("checkpointed", ckpt)):
        line = (f"{name:<12}  after forward {after:4.1f} activations, peak {peak:4.1f}; "
                f"addmm {ops['addmm']}, gelu {ops['gelu']}, mm {ops['mm']}")  # fmt: skip
        assert line in shown, line
    assert (plain[0], round(plain[1], 3), ckpt[0], round(ckpt[1], 3)) == (16, 20, 4, 9)
    ops = ckpt[2]
    assert ops["addmm"] == 16 and ops["gelu"] == 12
    assert plain[2]["addmm"] + plain[2]["mm"] == 23 and ops["addmm"] + ops["mm"] == 31
    for blocks in (1, 2, 4, 8):  # exercise 2
        after, peak, ops = _step(model, _segments(blocks))
        assert (f"segments of {blocks}: after forward {after:.0f}, peak {peak:.0f}, "
                f"addmm {ops['addmm']}, gelu {ops['gelu']}") in shown  # fmt: skip


def test_no_grad_and_inference_mode_save_nothing() -> None:
    model, inputs = _stack(), torch.randn(512, 64)
    for mode in (torch.no_grad, torch.inference_mode):
        packed = []
        hooks = torch.autograd.graph.saved_tensors_hooks(packed.append, lambda t: t)
        with mode(), hooks, live_memory() as log:
            model(inputs)
        assert packed == [] and log.peak == 2 * ACT


@pytest.mark.parametrize("out", OUT_DIRS)
def test_save_on_cpu_moves_nothing_on_a_cpu_and_the_16_bit_errors_are_the_pages(
    site: Path, out: str
) -> None:
    shown = text(site, out)
    t = torch.randn(3)
    assert torch.autograd.graph.save_on_cpu().pack_hook(t)[1] is t
    assert "save_on_cpu(): packed is t: True, unpacked is t: True" in shown
    assert "save_on_cpu(pin_memory=True): packed is t: False, pinned: False" in shown
    model = _stack()
    torch.manual_seed(1)
    inputs = torch.randn(512, 64)
    anyway = {p.untyped_storage().data_ptr() for p in (inputs, *model.parameters())}

    def grads(hooks) -> list[torch.Tensor]:
        model.zero_grad(set_to_none=True)
        with hooks:
            out = model(inputs)
        out.square().mean().backward()
        return [p.grad.clone() for p in model.parameters()]

    exact = grads(torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t))
    for dtype in (torch.bfloat16, torch.float16):

        def pack(t, dtype=dtype):
            small = t.dtype == torch.float32 and t.untyped_storage().data_ptr() not in anyway
            return (t.to(dtype) if small else t), t.dtype

        approx = grads(torch.autograd.graph.saved_tensors_hooks(pack, lambda p: p[0].to(p[1])))
        error = max(((a - e).norm() / e.norm()).item() for a, e in zip(approx, exact, strict=True))
        name = str(dtype)[6:]
        line = re.search(rf"^{name}\s+after forward  8\.50 activations, peak 12\.50, gradient "
                         r"error (\S+)$", shown, re.M)  # fmt: skip
        assert line, name
        printed_error = float(line.group(1))
        assert 0 < error < 1e-3 and 0.3 < printed_error / error < 3, (name, error, printed_error)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_pack_runs_as_a_tensor_is_saved_and_unpack_when_backward_needs_it(
    site: Path, out: str
) -> None:
    lines = text(site, out).splitlines()
    assert lines[:3] == ["pack (3,)", "forward done, outside the block", "unpack"]
    calls = []
    a = torch.randn(3, requires_grad=True)
    hooks = torch.autograd.graph.saved_tensors_hooks(
        lambda t: calls.append("pack") or t, lambda t: calls.append("unpack") or t
    )
    boxed = torch.autograd.graph.saved_tensors_hooks(lambda t: ("box", t), lambda p: p[1])
    with boxed:  # the prose: unpack is given what pack returned, not the tensor
        torch.randn(3, requires_grad=True).exp().sum().backward()
    with hooks:
        b = a.exp()
    assert calls == ["pack"]
    b.sum().backward()  # outside the block: the hooks it was saved under still run
    assert calls == ["pack", "unpack"] and torch.equal(a.grad, b.detach())


def _page_saved_by() -> tuple[type, list]:
    """The page's own SavedBy mode and its ``saved`` list, taken from the English script."""
    tree = ast.parse((GALLERY / "en/further/plot_13_graph_memory.py").read_text("utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SavedBy")
    namespace = {"torch": torch, "TorchFunctionMode": TorchFunctionMode, "saved": []}
    exec(compile(ast.Module(body=[node], type_ignores=[]), "plot_13", "exec"), namespace)
    return namespace["SavedBy"], namespace["saved"]


def test_saved_by_takes_the_first_tensor_of_a_tuple_result_and_names_the_last_node() -> None:
    saved_by, saved = _page_saved_by()

    def rows(fn) -> list[str]:
        saved.clear()
        pack = lambda t: saved.append({}) or t  # noqa: E731
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), saved_by():
            fn()
        return sorted({row["node"].name() for row in saved})

    a = torch.randn(4, 5, requires_grad=True)
    assert rows(lambda: torch.max(a, dim=0)) == ["MaxBackward0"]  # a tuple of two
    assert rows(lambda: nn.LSTM(5, 3)(a.unsqueeze(1)))  # (output, (h, c)): no crash
    assert rows(lambda: F.linear(a, torch.randn(2, 5), torch.randn(2))) == ["AddmmBackward0"]
    # the prose's caveat: on a 3-D input F.linear records a view node after its addmm
    three_d = rows(lambda: nn.Linear(5, 2)(a.view(2, 2, 5)))
    assert three_d in (["ViewBackward0"], ["UnsafeViewBackward0"])


def test_the_last_blocks_output_is_kept_by_the_loss() -> None:
    """2 x depth activations with square().mean(); with mean(), which keeps nothing, one less."""
    for depth in (1, 2, 8):
        model, inputs = _stack(depth), torch.randn(32, 64)
        for loss_fn, expected in ((lambda o: o.square().mean(), 2 * depth),
                                  (lambda o: o.mean(), 2 * depth - 1)):  # fmt: skip
            packed = []
            with torch.autograd.graph.saved_tensors_hooks(packed.append, lambda t: t):
                loss = loss_fn(model(inputs))
            anyway = {t.untyped_storage().data_ptr() for t in (inputs, *model.parameters())}
            new = {t.untyped_storage().data_ptr(): t.nbytes for t in packed}
            assert sum(v for k, v in new.items() if k not in anyway) == expected * 32 * 64 * 4
            del loss


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_peak_is_the_stand_in_losss_backward(site: Path, out: str) -> None:
    shown = text(site, out)
    assert "around the peak: div 17 pow 18 mul 19 mul 20 gelu_backward 18" in shown
    assert "from the network's first node on, at most 18" in shown
    for mode in ("no_grad", "inference_mode"):
        assert f"{mode}: 0 saved tensors, peak 2 activations" in shown
    model, inputs = _stack(), torch.randn(512, 64)
    for loss_fn, peak in ((lambda o: o.square().mean(), 20), (lambda o: o.mean(), 18)):
        model.zero_grad(set_to_none=True)
        with live_memory() as log:
            out_ = model(inputs)
            forward_end = len(log.steps)
            loss_fn(out_).backward()
        assert round(log.peak / ACT) == peak
        ops = [op for op, _ in log.steps]
        network = ops.index("gelu_backward", forward_end)
        assert round(max(b for _, b in log.steps[network:]) / ACT) == 18
        if peak == 20:  # square's backward, before the network's first node
            assert round(max(b for _, b in log.steps[:network]) / ACT) == 20


def test_both_steps_end_with_the_gradients_and_out() -> None:
    model, inputs = _stack(), torch.randn(512, 64)
    grads = sum(p.nbytes for p in model.parameters())
    assert round(grads / ACT, 2) == 1.02
    for forward in (lambda m, x: m(x), _segments(2)):
        model.zero_grad(set_to_none=True)
        with live_memory() as log:
            out = forward(model, inputs)
            out.square().mean().backward()
        end = log.steps[-1][1]
        assert 0 <= end - (ACT + grads) <= 16, end  # out, the gradients and a scalar or two
        assert round(end / ACT) == 2


def test_checkpoint_early_stop_is_what_leaves_twelve_gelu() -> None:
    model = _stack()
    with set_checkpoint_early_stop(False):
        ops = _step(model, _segments(2))[2]
    assert ops["gelu"] == 16 and _step(model, _segments(2))[2]["gelu"] == 12


@pytest.mark.parametrize("out", OUT_DIRS)
def test_what_the_hooks_around_the_model_are_given(site: Path, out: str) -> None:
    """input, 7 W.t() views, 15 activations, not the output: so pin_memory=True's copies add
    1.875 activations and the 16-bit saves hold 15 / 2 + 1 = 8.5."""
    shown = text(site, out)
    assert "saved in the hooks: {'input': 1, 'activation': 15, 'weight': 7}" in shown
    model, inputs = _stack(), torch.randn(512, 64)
    packed = []
    with torch.autograd.graph.saved_tensors_hooks(packed.append, lambda t: t):
        result = model(inputs)
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    ptrs = [t.untyped_storage().data_ptr() for t in packed]
    assert ptrs.count(inputs.untyped_storage().data_ptr()) == 1
    assert sum(p in params for p in ptrs) == 7 and len(ptrs) == 23
    assert result.untyped_storage().data_ptr() not in ptrs
    copies = (ACT + 7 * 64 * 64 * 4) / ACT
    assert copies == 1.875
    assert f"save_on_cpu(pin_memory=True)  after forward {16 + copies:5.2f} activations" in shown
    assert f"bfloat16                      after forward {15 / 2 + 1:5.2f} activations" in shown


def test_save_on_cpu_copies_out_asynchronously_from_some_release_after_2_4() -> None:
    """The page: with pin_memory=True the copy back does not block; on 2.13 and 2.15 neither
    does the copy out, while 2.4 waits for it (read in the source: no GPU here)."""
    source = inspect.getsource(torch.autograd.graph.save_on_cpu.__init__)
    assert "tensor.to(device, non_blocking=pin_memory)" in source
    version = tuple(int(v) for v in torch.__version__.split(".")[:2])
    if version == (2, 4):
        assert "packed.copy_(tensor)" in source
    elif version >= (2, 13):
        assert "packed.copy_(tensor, non_blocking=is_pinnable)" in source
    assert issubclass(torch.autograd.graph.save_on_cpu, torch.autograd.graph.saved_tensors_hooks)


@pytest.mark.parametrize(
    ("out", "said"),
    [
        (EN.out, ["16 activations are held", "The peak, 20,", "four activations instead of 16",
                "falls from 20 to 9", "16 addmm instead of 8", "from 23", "to 31",
                "Only 12 gelu", "gives 16", "hold 8.5", "from 33 samples on",
                "at most 18", "= 1.875 activations", "seven W.t() views and 15 activations",
                "end at about two activations: the gradients (1.02)", "pack (3,)",
                "unpack on what pack returned", "where no hooks hold 8",
                "pin_memory=True 17.88", "reset_peak_memory_stats()",
                "134 operations instead of 118 plain, 269 instead of 182 checkpointed",
                "must recognise the tensor it packed, by identity (e.g. a weak reference), while that tensor lives"]),
        (ZH.out, ["留着 16 个激活值", "峰值 20", "只留 4 个激活值而不是 16 个", "峰值从 20 降到 9",
                   "16 次 addmm", "从 23 次", "31 次", "gelu 只有 12 次", "则是 16 次",
                   "8.5 个激活值", "从 33 个样本起", "最多 18 个激活值", "= 1.875 个激活值",
                   "七个 W.t() 视图和 15 个激活值", "约两个激活值：参数的梯度（1.02）",
                   "把 pack 的返回值", "不用钩子只占 8 个",
                   "pin_memory=True 则占 17.88 个", "reset_peak_memory_stats()",
                   "普通的一步是 134 个运算", "用检查点的一步是 269 个", "分别是 118 个和 182 个",
                   "必须按身份（比如用弱引用）认出打包过的正是这个张量"]),
    ],
)  # fmt: skip
def test_prose_quotes_the_printed_numbers(site: Path, out: str, said: list[str]) -> None:
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words


@pytest.mark.parametrize("out", OUT_DIRS)
def test_the_summary_rows_quote_the_page(site: Path, out: str) -> None:
    shown = text(site, out)
    summary = " ".join(soup(site / out / "summary.html").get_text().split())
    for number in ("51712", "24704"):
        assert number in shown and number in summary
    assert "after forward  4.0 activations, peak  9.0" in shown
    assert "after forward  8.50 activations" in shown
    assert "after forward 17.88 activations" in shown and "at most 18" in shown
    assert {EN.out: "4 activations held after forward instead of 16, a peak of 9 instead of 20",
            ZH.out: "前向传播后只留 4 个激活值（原来 16 个），峰值 9（原来 20）"}[out] in summary  # fmt: skip
    for said in {EN.out: ["peaks at 20 activations in the stand-in loss",
                        "stays at 18 or below", "add 1.875 activations",
                        "`pack` runs as an operation saves a tensor",
                        "the 16-bit hooks hold 8.5 activations against 8 without hooks"],
                 ZH.out: ["达到峰值 20 个激活值", "不超过 18 个", "多占 1.875 个激活值",
                           "运算每保存一个张量就调用 pack",
                           "16 位钩子占 8.5 个激活值，不用钩子只占 8 个"]}[out]:  # fmt: skip
        assert said.replace("`", "") in summary, said


@pytest.mark.parametrize("out", OUT_DIRS)
def test_tutorial_12_leads_here(site: Path, out: str) -> None:
    page = soup(site / out / "tutorials/further/plot_12_optimizers.html")
    assert any(a.get("href", "").startswith("plot_13_graph_memory.html") for a in page.select("a"))


def _relu_stack() -> tuple[nn.Sequential, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(*[m for _ in range(8) for m in (nn.Linear(64, 64), nn.ReLU())])
    return model, torch.randn(512, 64)


def _relu_after_forward(hooks: str) -> float:
    """Activations live after a forward pass of the ReLU stack under ``hooks``."""
    model, inputs = _relu_stack()
    anyway = {t.untyped_storage().data_ptr() for t in (inputs, *model.parameters())}

    def pack16(t):
        small = t.dtype == torch.float32 and t.untyped_storage().data_ptr() not in anyway
        return (t.to(torch.bfloat16) if small else t), t.dtype

    made = {"none": lambda: torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t),
            "pin": lambda: torch.autograd.graph.save_on_cpu(pin_memory=True),
            "bf16": lambda: torch.autograd.graph.saved_tensors_hooks(pack16, lambda p: p[0].to(p[1]))}  # fmt: skip
    with live_memory() as log:
        with made[hooks]():
            out = model(inputs)
        after = log.live_bytes
    del out
    return after / ACT


@pytest.mark.parametrize("out", OUT_DIRS)
def test_pack_runs_once_per_save_so_copies_of_relus_output_are_made_twice(
    site: Path, out: str
) -> None:
    """A ReLU output is saved by ReLU and by the next addmm: pack is called for each save,
    so a copying pack stores two copies. No hooks: 8 activations (the 8 ReLU outputs);
    bfloat16: 7 outputs x 2 half copies + the last one's half copy + out itself = 8.5;
    pin_memory=True: 15 copies + out + copies of the input and 7 weights (1.875) = 17.875."""
    shown = text(site, out)
    model, inputs = _relu_stack()
    packed = []
    with torch.autograd.graph.saved_tensors_hooks(packed.append, lambda t: t):
        model(inputs)
    ptrs = [t.untyped_storage().data_ptr() for t in packed]
    assert len(packed) == 1 + 7 + 8 + 7  # the input, 7 W.t(), 8 by ReLU, 7 by addmm
    assert sum(ptrs.count(p) == 2 for p in set(ptrs)) == 7  # 7 ReLU outputs saved twice
    expected = {"none": 8.0, "bf16": 7 + 0.5 + 1, "pin": 15 + 1 + 1.875}
    for hooks, name in (("none", "no hooks"), ("pin", "save_on_cpu(pin_memory=True)"),
                        ("bf16", "bfloat16")):  # fmt: skip
        assert _relu_after_forward(hooks) == expected[hooks], hooks
        line = f"ReLU stack, {name:<28} after forward {expected[hooks]:5.2f} activations"
        assert line in shown, line


def test_the_step_takes_more_operations_on_torch_2_4() -> None:
    """The page: 2.4 runs more detach calls, 134 operations instead of 118 plain, 269
    instead of 182 checkpointed; the memory is the same."""
    version = tuple(int(v) for v in torch.__version__.split(".")[:2])
    model = _stack()
    counts = []
    for forward in (lambda m, x: m(x), _segments(2)):
        after, peak, ops = _step(model, forward)
        assert (after, round(peak, 3)) in ((16, 20), (4, 9))
        counts.append(sum(ops.values()))
    assert counts == ([134, 269] if version == (2, 4) else [118, 182]), counts
