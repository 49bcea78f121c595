"""Tutorial 14 (torch.compile and torch.export in practice) as built, in both languages.

The page's numbers are recomputed here where they can be (graph counts, the gradient,
the exported program's refusals); its per-version sentences are checked against what
the installed torch does, so the test fails if a claim stops holding on it.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from conftest import EN, GALLERY, OUT_DIRS, ROOT, ZH, printed, printed_lines, soup

PAGE = "tutorials/further/plot_14_compile_in_practice.html"
SCHEMA = "(Tensor z) -> Tensor"  # this module's annotations are strings, which torch 2.4 can't read


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


@pytest.mark.parametrize("out", OUT_DIRS)
def test_fullgraph_names_the_line_and_the_fix_gives_one_graph(site: Path, out: str) -> None:
    page = text(site, out)
    assert "graphs without fullgraph: [['linear'], ['sigmoid']]" in page
    assert "fullgraph=True: Unsupported: Failed to trace builtin operator" in page  # 2.13's words
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


@pytest.mark.parametrize("out", OUT_DIRS)
def test_numpy_disable_and_the_custom_operator(site: Path, out: str) -> None:
    page = text(site, out)
    assert "NumPy inside: graphs 1," in page and "'wrapped_logaddexp'" in page
    assert "w.numpy(): RuntimeError: Can't call numpy() on Tensor that requires grad." in page
    assert "torch.compiler.disable: graphs [['matmul'], ['mul', 'sub', 'mean']]" in page
    assert "custom op: graphs 1, ['matmul', 'notes.softplus.default', 'mul', 'sub', 'mean']" in page
    assert "gradcheck in float64: True" in page


@pytest.mark.parametrize("out", OUT_DIRS)
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


def test_numpy_without_detach_keeps_the_gradient_once_compiled() -> None:
    """The page blames the detach(), not NumPy: compiled, NumPy code without it has the
    right gradient, while eager mode refuses it."""
    import numpy as np

    def loss(w, x, y):
        z = x @ w
        return (torch.from_numpy(np.logaddexp(0.0, z.numpy())) - y * z).mean()

    x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
    y = torch.tensor([1.0, 0.0, 1.0])
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="numpy"):
        loss(w, x, y)
    torch.compiler.reset()
    torch.compile(loss, backend="eager", fullgraph=True)(w, x, y).backward()
    torch.compiler.reset()
    reference = w.detach().clone().requires_grad_()
    torch.nn.functional.binary_cross_entropy_with_logits(x @ reference, y).backward()
    torch.testing.assert_close(w.grad, reference.grad)


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
    # ra14b A1: not all of NumPy: np.interp is a function Dynamo does not know
    interp = torch.compile(
        lambda z: torch.from_numpy(np.interp(z.numpy(), [0.0, 1.0], [0.0, 2.0])),
        backend="eager",
        fullgraph=True,
    )
    with pytest.raises(Exception, match=r"interp|Unsupported|not supported"):
        interp(torch.ones(3))
    torch.compiler.reset()


@pytest.mark.parametrize("out", OUT_DIRS)
def test_mark_dynamic_counts_and_refusal(site: Path, out: str) -> None:
    page = text(site, out)
    assert "batches [8, 16, 32, 1]: automatic [1, 2, 2, 3], marked [1, 1, 1, 2]" in page
    lines = printed_lines(site / out / PAGE)
    refused = "features marked: ConstraintViolationError: Constraints violated (L['x'].size()[1])!"
    at = next(i for i, line in enumerate(lines) if line.startswith(refused))
    assert lines[at + 1] == "  in forward: z = self.linear(x)"  # 2.13 names the line
    # exercise 2: the range bounds the graph (65 rows recompile, no error); the mark is refused
    assert "batches [8, 64, 65], the 8 marked [2, 64]: graphs after each [1, 1, 2]" in page
    assert "100 rows marked [2, 64]: ConstraintViolationError: 100 not in range [2, 64]" in page


def test_mark_dynamic_range_on_the_installed_torch() -> None:
    """Exercise 2 and mark_dynamic's docstring: outside the range, an unmarked call gets a
    new graph; a marked tensor outside it is refused, on a first call too."""
    from pytorch_notes.capture import mark_dynamic

    captured, keep = _keep()
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    compiled = torch.compile(model, backend=keep)
    counts = []
    for n in (8, 2, 64, 65, 100):
        x = torch.randn(n, 2)
        compiled(mark_dynamic(x, 0, min=2, max=64) if n == 8 else x)
        counts.append(len(captured))
    assert counts == [1, 1, 1, 2, 2]
    captured, keep = _keep()
    with pytest.raises(RuntimeError, match=r"100 not in range \[2, 64\]"):
        torch.compile(model, backend=keep)(mark_dynamic(torch.randn(100, 2), 0, min=2, max=64))
    torch.compiler.reset()


def test_the_refusal_advises_maybe_mark_dynamic_from_2_13() -> None:
    from pytorch_notes.capture import mark_dynamic

    model = torch.nn.Linear(2, 1)
    torch.compiler.reset()
    with pytest.raises(RuntimeError) as info:
        torch.compile(model, backend="eager")(mark_dynamic(torch.randn(8, 2), 1))
    torch.compiler.reset()
    if torch.__version__ >= (2, 13):
        assert "maybe_mark_dynamic" in str(info.value)
        assert "specialized it to be a constant (2)" in str(info.value)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_export_range_and_refusals(site: Path, out: str) -> None:
    page = text(site, out)
    assert "exported graph: ['aten.linear.default', 'aten.sigmoid.default']" in page
    assert "range of the batch symbol: ['VR[0, 64]']" in page
    assert "batch 0: output shape (0, 1)" in page and "batch 64: output shape (64, 1)" in page
    assert "batch 65: AssertionError: Guard failed: x.size()[0] <= 64" in page
    assert "features declared dynamic: UserError: Constraints violated (features)!" in page
    assert "1-row example: UserError: Constraints violated (batch)!" in page
    assert "graph inputs: ['PARAMETER', 'PARAMETER', 'USER_INPUT']" in page
    assert "module() is a GraphModule: True" in page
    loss = "exported loss: ['notes.softplus.default', 'aten.mul.Tensor', 'aten.sub.Tensor',"
    assert loss in page


def test_a_one_row_example_is_fixed_as_a_constant() -> None:
    from torch.export import Dim, export

    model = torch.nn.Linear(2, 1)
    with pytest.raises(RuntimeError) as info:
        export(model, (torch.ones(1, 2),), dynamic_shapes=({0: Dim("batch", max=64)},))
    assert "a constant (1)" in str(info.value)
    export(model, (torch.ones(2, 2),), dynamic_shapes=({0: Dim("batch", max=64)},))


def test_the_op_names_tell_the_custom_op_from_aten_softplus() -> None:
    """The page's ops() prints an operator with its namespace: F.softplus would show as
    aten.softplus.default, so the page's check for notes.softplus.default can fail."""
    from torch.export import export

    class AtenLoss(torch.nn.Module):
        def forward(self, z, y):
            return (torch.nn.functional.softplus(z) - y * z).mean()

    program = export(AtenLoss(), (torch.randn(3), torch.randn(3)))
    names = [str(n.target) for n in program.graph.nodes if n.op == "call_function"]
    assert names[0] == "aten.softplus.default"
    assert all(
        hasattr(n.target, "namespace") for n in program.graph.nodes if n.op == "call_function"
    )


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


@pytest.mark.parametrize("out", OUT_DIRS)
def test_strict_default_as_printed_and_said(site: Path, out: str) -> None:
    page = text(site, out)
    default = inspect.signature(torch.export.export).parameters["strict"].default
    assert f"strict by default: {default}" in page
    graph = "['aten.linear.default', 'aten.sigmoid.default']"
    assert f"strict=True: {graph}, strict=False: {graph}" in page
    lines = printed_lines(site / out / PAGE)
    at = lines.index(f"strict by default: {default}")
    assert lines[at + 1 : at + 3] == [
        "logits: (3, 1)",
        f"strict=True: {graph}, strict=False: {graph}",
    ]
    if torch.__version__ >= (2, 13):
        assert default is False
    elif torch.__version__ < (2, 5):
        assert default is True
    said = {EN.out: "strict on torch 2.4, non-strict on 2.13 and 2.15",
            ZH.out: "torch 2.4 默认严格导出，2.13 和 2.15 默认非严格导出"}  # fmt: skip
    assert said[out] in prose(site, out)
    twice = {EN.out: "runs the print while it traces (twice on torch 2.4), strict export leaves it out",
             ZH.out: "非严格导出在追踪时运行这句 print（torch 2.4 上运行两次），严格导出直接略过它"}  # fmt: skip
    assert twice[out] in prose(site, out)


def test_export_takes_the_print_that_fullgraph_refuses() -> None:
    """Non-strict export runs the print while tracing (twice on 2.4), strict export drops
    it; neither graph holds it, so the exported program prints nothing."""
    from torch.export import export

    class Chatty(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(2, 1)

        def forward(self, x):
            z = self.linear(x)
            print("logits")
            return torch.sigmoid(z)

    x = torch.randn(3, 2)
    for strict, times in ((True, 0), (False, 2 if torch.__version__ < (2, 5) else 1)):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            program = export(Chatty(), (x,), strict=strict)
        assert out.getvalue().count("logits") == times, (strict, out.getvalue())
        with contextlib.redirect_stdout(io.StringIO()) as out:
            program.module()(x)
        assert out.getvalue() == ""


def test_is_exporting_exists_from_the_versions_the_page_names() -> None:
    has = hasattr(torch.compiler, "is_exporting")
    assert has == (torch.__version__ >= (2, 13)) or (2, 5) <= torch.__version__ < (2, 13)


@pytest.mark.parametrize("out", OUT_DIRS)
def test_exercises(site: Path, out: str) -> None:
    page = text(site, out)
    assert "'test_faketensor': 'SUCCESS'" in page and "wrong fake: ['test_faketensor']" in page
    assert "'test_aot_dispatch_dynamic': 'SUCCESS'" in page
    assert "Dim.AUTO: ['VR[2, int_oo]']" in page
    assert "5 x 3 input: AssertionError: Guard failed: x.size()[1] == 2" in page
    assert "Dim.DYNAMIC: UserError: Constraints violated" in page


def test_dim_auto_and_dynamic_exist_from_the_versions_the_page_names() -> None:
    from torch.export import Dim

    has = hasattr(Dim, "AUTO") and hasattr(Dim, "DYNAMIC")
    assert has == (torch.__version__ >= (2, 13)) or (2, 5) <= torch.__version__ < (2, 13)


@pytest.mark.parametrize("out", OUT_DIRS)
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

    @torch.library.custom_op("notes_test::softplus", mutates_args=(), schema=SCHEMA)
    def softplus(z: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(np.logaddexp(0.0, z.numpy()))

    softplus.register_fake(lambda z: torch.empty_like(z))
    softplus.register_autograd(
        lambda ctx, g: g * torch.sigmoid(ctx.saved_tensors[0]),
        setup_context=lambda ctx, inputs, output: ctx.save_for_backward(inputs[0]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = torch.library.opcheck(softplus, (torch.randn(5, requires_grad=True),))
    assert set(report.values()) == {"SUCCESS"}
    z64 = torch.randn(6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(softplus, (z64,))


def test_opcheck_tests_the_backward_only_with_an_input_that_requires_grad() -> None:
    """Why exercise 1 passes an input that requires grad: a backward returning the wrong
    shape passes opcheck on one that does not."""
    import numpy as np

    @torch.library.custom_op("notes_test::softplus_bad_grad", mutates_args=(), schema=SCHEMA)
    def softplus(z: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(np.logaddexp(0.0, z.numpy()))

    softplus.register_fake(lambda z: torch.empty_like(z))
    softplus.register_autograd(
        lambda ctx, g: (g * torch.sigmoid(ctx.saved_tensors[0])).sum(),  # a scalar: wrong
        setup_context=lambda ctx, inputs, output: ctx.save_for_backward(inputs[0]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = torch.library.opcheck(softplus, (torch.randn(5),), raise_exception=False)
        grad = torch.randn(5, requires_grad=True)
        checked = torch.library.opcheck(softplus, (grad,), raise_exception=False)
    assert set(plain.values()) == {"SUCCESS"}
    assert checked["test_aot_dispatch_dynamic"] != "SUCCESS"


@pytest.mark.parametrize("lang", [EN.gallery, ZH.gallery])
def test_the_page_writes_nothing_to_stderr_on_the_installed_torch(lang: str) -> None:
    """torch's logs of the errors the page provokes stay off the page (torch 2.4 logs
    the most); run as a script, the page writes nothing to standard error."""
    script = GALLERY / lang / "further" / "plot_14_compile_in_practice.py"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=300, cwd=ROOT)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == "", run.stderr[:2000]
