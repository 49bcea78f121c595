"""Tutorial 13 (what the graph costs in memory) as built: each printed table is recomputed
here by another route (autograd's own saved-tensor attributes, formulas, a fresh run), and
the prose's numbers are the ones the page printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import printed, soup
from torch import nn
from torch.utils.checkpoint import checkpoint

from pytorch_notes.capture import live_memory

PAGE = "tutorials/further/plot_13_graph_memory.html"
OUTS = ["en", "zh-cn"]
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


@pytest.mark.parametrize("out", OUTS)
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


@pytest.mark.parametrize("out", OUTS)
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


@pytest.mark.parametrize("out", OUTS)
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


@pytest.mark.parametrize("out", OUTS)
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


@pytest.mark.parametrize("out", OUTS)
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
        assert 0 < error < 1e-2 and 0.3 < printed_error / error < 3, (name, error, printed_error)


@pytest.mark.parametrize(
    ("out", "said"),
    [
        ("en", ["16 activations are held", "The peak, 20,", "four activations instead of 16",
                "falls from 20 to 9", "16 addmm instead of 8", "from 23", "to 31",
                "Only 12 gelu", "8.5 activations", "from 33 samples on"]),
        ("zh-cn", ["留着 16 个激活值", "峰值 20", "只留 4 个激活值而不是 16 个", "峰值从 20 降到 9",
                   "16 次 addmm", "从 23 次", "31 次", "gelu 只有 12 次", "8.5 个激活值",
                   "从 33 个样本起"]),
    ],
)  # fmt: skip
def test_prose_quotes_the_printed_numbers(site: Path, out: str, said: list[str]) -> None:
    prose = " ".join(soup(site / out / PAGE).get_text().split())
    for words in said:
        assert words in prose, words


@pytest.mark.parametrize("out", OUTS)
def test_the_summary_rows_quote_the_page(site: Path, out: str) -> None:
    shown = text(site, out)
    summary = " ".join(soup(site / out / "summary.html").get_text().split())
    for number in ("51712", "24704"):
        assert number in shown and number in summary
    assert "after forward  4.0 activations, peak  9.0" in shown
    assert "after forward  8.50 activations" in shown
    assert {"en": "4 activations held after forward instead of 16, a peak of 9 instead of 20",
            "zh-cn": "前向传播后只留 4 个激活值（原来 16 个），峰值 9（原来 20）"}[out] in summary  # fmt: skip


@pytest.mark.parametrize("out", OUTS)
def test_tutorial_12_leads_here(site: Path, out: str) -> None:
    page = soup(site / out / "tutorials/further/plot_12_optimizers.html")
    assert any(a.get("href", "").startswith("plot_13_graph_memory.html") for a in page.select("a"))
