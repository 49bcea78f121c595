"""Tutorial 14 (torch.compile and torch.export in practice) as built, in both languages.

The page's numbers are recomputed here where they can be (graph counts, the gradient,
the exported program's refusals); its per-version sentences are checked against what
the installed torch does, so the test fails if a claim stops holding on it.
"""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import pytest
import torch
from conftest import printed, soup

PAGE = "tutorials/further/plot_14_compile_in_practice.html"
OUTS = ["en", "zh-cn"]


def text(site: Path, out: str) -> str:
    return printed(site / out / PAGE)


def prose(site: Path, out: str) -> str:
    return " ".join(soup(site / out / PAGE).get_text().split())


def _keep() -> tuple[list, object]:
    captured: list = []

    def keep(gm, example_inputs):
        captured.append(gm)
        return gm.forward

    torch.compiler.reset()
    return captured, keep


@pytest.mark.parametrize("out", OUTS)
def test_fullgraph_names_the_line_and_the_fix_gives_one_graph(site: Path, out: str) -> None:
    page = text(site, out)
    assert "graphs without fullgraph: [['linear'], ['sigmoid']]" in page
    assert "Unsupported: Failed to trace builtin operator" in page  # torch 2.13's words
    assert '  in forward: print(f"logits: {tuple(z.shape)}")' in page
    assert "graphs with fullgraph=True: [['linear', 'sigmoid']]" in page
    assert page.count("logits: (4, 1)") == 2  # eager prints; the fixed model compiled does not


def test_fullgraph_error_names_the_line_on_the_installed_torch() -> None:
    """The message ends with the user line, whatever the release's first line says."""

    def chatty(x):
        y = x * 2
        print("debugging")
        return y + 1

    torch.compiler.reset()
    with pytest.raises(RuntimeError) as info:
        torch.compile(chatty, backend="eager", fullgraph=True)(torch.ones(2))
    torch.compiler.reset()
    tail = str(info.value).split("from user code:")[-1]
    assert re.search(r'line \d+, in chatty\n\s*print\("debugging"\)', tail)


@pytest.mark.parametrize("out", OUTS)
def test_numpy_disable_and_the_custom_operator(site: Path, out: str) -> None:
    page = text(site, out)
    assert "NumPy inside: graphs 1," in page and "'wrapped_logaddexp'" in page
    assert "torch.compiler.disable: graphs [['matmul'], ['mul', 'sub', 'mean']]" in page
    assert (
        "custom op: graphs 1, ['matmul', 'softplus.default', 'mul', 'sub', 'mean'], breaks 0"
        in page
    )
    assert "gradcheck in float64: True" in page


@pytest.mark.parametrize("out", OUTS)
def test_printed_gradients_are_the_formulas(site: Path, out: str) -> None:
    """Recomputed here: the NumPy route keeps only -y z's gradient; the custom op's equals
    F.softplus's (binary cross-entropy with logits)."""
    x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
    y = torch.tensor([1.0, 0.0, 1.0])
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(x @ w, y).backward()
    minus_yz = -(y[:, None] * x).mean(dim=0)
    page = text(site, out)
    numbers = re.search(r"gradient tensor\(\[\s*(\S+), (\S+)\]\), with F\.softplus", page)
    torch.testing.assert_close(torch.tensor([float(v) for v in numbers.groups()]), w.grad,
                               atol=1e-4, rtol=0)  # fmt: skip
    numbers = re.search(r"gradient tensor\(\[(\S+), (\S+)\]\), that of mean", page)
    torch.testing.assert_close(torch.tensor([float(v) for v in numbers.groups()]), minus_yz,
                               atol=1e-4, rtol=0)  # fmt: skip


def test_numpy_is_traced_and_disable_breaks_on_the_installed_torch() -> None:
    import numpy as np

    def softplus_numpy(z):
        return torch.from_numpy(np.logaddexp(0.0, z.detach().numpy()))

    captured, keep = _keep()
    torch.compile(softplus_numpy, backend=keep, fullgraph=True)(torch.ones(3))
    assert len(captured) == 1
    captured, keep = _keep()
    opaque = torch.compiler.disable(softplus_numpy)
    torch.compile(lambda z: opaque(z * 2) + 1, backend=keep)(torch.ones(3))
    torch.compiler.reset()
    assert len(captured) == 2


@pytest.mark.parametrize("out", OUTS)
def test_mark_dynamic_counts_and_refusal(site: Path, out: str) -> None:
    page = text(site, out)
    assert "batches [8, 16, 32, 1]: automatic [1, 2, 2, 3], marked [1, 1, 1, 2]" in page
    assert "ConstraintViolationError: Constraints violated (L['x'].size()[1])!" in page
    assert "  in forward: z = self.linear(x)" in page  # 2.13 names the line that fixed it
    assert "ConstraintViolationError: 100 not in range [2, 64]" in page  # exercise 2


@pytest.mark.parametrize("out", OUTS)
def test_export_range_and_refusals(site: Path, out: str) -> None:
    page = text(site, out)
    assert "exported graph: ['linear.default', 'sigmoid.default']" in page
    assert "range of the batch symbol: ['VR[0, 64]']" in page
    assert "batch 0: output shape (0, 1)" in page and "batch 64: output shape (64, 1)" in page
    assert "batch 65: AssertionError: Guard failed: x.size()[0] <= 64" in page
    assert "features declared dynamic: UserError: Constraints violated (features)!" in page
    assert "graph inputs: ['PARAMETER', 'PARAMETER', 'USER_INPUT']" in page
    assert "module() is a GraphModule: True" in page
    assert "exported loss: ['softplus.default', 'mul.Tensor', 'sub.Tensor', 'mean.default']" in page


def test_the_export_guard_on_the_installed_torch() -> None:
    """Above the range refused; 2.4 words it as a RuntimeError and refuses 0 too (the page
    says so)."""
    from torch.export import Dim, export

    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    run = export(model, (torch.ones(8, 2),), dynamic_shapes=({0: Dim("batch", max=64)},)).module()
    assert run(torch.ones(64, 2)).shape == (64, 1)
    with pytest.raises((AssertionError, RuntimeError)):
        run(torch.ones(65, 2))
    if torch.__version__ >= (2, 13):
        assert run(torch.ones(0, 2)).shape == (0, 1)
    elif torch.__version__ < (2, 5):
        with pytest.raises(RuntimeError):
            run(torch.ones(0, 2))


@pytest.mark.parametrize("out", OUTS)
def test_strict_default_as_printed_and_said(site: Path, out: str) -> None:
    page = text(site, out)
    default = inspect.signature(torch.export.export).parameters["strict"].default
    assert f"strict by default: {default}" in page
    assert "strict=True: ['linear.default', 'sigmoid.default'], strict=False:" in page
    if torch.__version__ >= (2, 13):
        assert default is False
    elif torch.__version__ < (2, 5):
        assert default is True
    said = {"en": "strict on torch 2.4, non-strict on 2.13 and 2.15",
            "zh-cn": "torch 2.4 默认严格导出，2.13 和 2.15 默认非严格导出"}  # fmt: skip
    assert said[out] in prose(site, out)


@pytest.mark.parametrize("out", OUTS)
def test_exercises(site: Path, out: str) -> None:
    page = text(site, out)
    assert "'test_faketensor': 'SUCCESS'" in page and "wrong fake: ['test_faketensor']" in page
    assert "Dim.AUTO: ['VR[2, int_oo]']" in page
    assert "5 x 3 input: Guard failed: x.size()[1] == 2" in page
    assert "Dim.DYNAMIC: UserError: Constraints violated" in page


def test_dim_auto_and_dynamic_exist_from_the_versions_the_page_names() -> None:
    from torch.export import Dim

    has = hasattr(Dim, "AUTO") and hasattr(Dim, "DYNAMIC")
    assert has == (torch.__version__ >= (2, 13)) or (2, 5) <= torch.__version__ < (2, 13)


@pytest.mark.parametrize("out", OUTS)
def test_figure_links_and_no_private_api_called(site: Path, out: str) -> None:
    page = soup(site / out / PAGE)
    assert len(page.select("img.sphx-glr-single-img, img.sphx-glr-multi-img")) == 1
    hrefs = [a.get("href", "") for a in page.select("a.reference")]
    assert any("plot_10_pytorch2_graphs" in h for h in hrefs)
    assert any("plot_07_autograd_internals" in h for h in hrefs)
    assert any("summary.html" in h for h in hrefs)
    calls = re.findall(r"torch\._\w+(?:\.\w+)*\(", page.get_text())
    assert not calls, calls  # torch._* only named in comments and prose, never called


def test_the_custom_op_opchecks_on_the_installed_torch() -> None:
    import numpy as np

    @torch.library.custom_op("notes_test::softplus", mutates_args=())
    def softplus(z: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(np.logaddexp(0.0, z.numpy()))

    softplus.register_fake(lambda z: torch.empty_like(z))
    softplus.register_autograd(
        lambda ctx, g: g * torch.sigmoid(ctx.saved_tensors[0]),
        setup_context=lambda ctx, inputs, output: ctx.save_for_backward(inputs[0]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = torch.library.opcheck(softplus, (torch.randn(5),))
    assert set(report.values()) == {"SUCCESS"}
    z64 = torch.randn(6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(softplus, (z64,))
