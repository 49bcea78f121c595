"""The two hosting recipes: Read the Docs (.readthedocs.yaml) and GitHub Pages (.github/workflows/docs.yml).

Neither can run here; these tests read them and check what a build depends
on: the Python version nox expects, the CJK font, the nox command with a CPU
torch, where the built tree goes, and the Pages deploy permissions.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
import yaml
from conftest import HTML, ROOT
from packaging.specifiers import SpecifierSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli there
    import tomli as tomllib

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
HTML_DIR = HTML.relative_to(ROOT).as_posix()  # docs/_build/html


def supported(python: str) -> bool:
    """Whether the nox sessions run on this Python: the package's ``requires-python``
    (nox runs each session on the interpreter that runs nox, checked against it)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        found = tomllib.load(f).get("project", {}).get("requires-python")
    assert found, "pyproject.toml has no requires-python"
    return SpecifierSet(found).contains(python)


def load(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


# -- Read the Docs -------------------------------------------------------------


@pytest.fixture(scope="module")
def rtd() -> dict[str, Any]:
    return load(".readthedocs.yaml")


def test_rtd_builds_on_a_python_the_sessions_support(rtd: dict[str, Any]) -> None:
    assert rtd["version"] == 2
    assert rtd["build"]["os"] == "ubuntu-24.04"
    python = rtd["build"]["tools"]["python"]
    assert isinstance(python, str), "quote the version: 3.10 would read as the number 3.1"
    assert supported(python), python


def test_rtd_installs_the_cjk_font(rtd: dict[str, Any]) -> None:
    assert "fonts-noto-cjk" in rtd["build"]["apt_packages"]


def test_rtd_runs_nox_with_a_cpu_torch_then_publishes_the_whole_tree(rtd: dict[str, Any]) -> None:
    commands: list[str] = rtd["build"]["commands"]

    def first(pattern: str) -> int:
        hits = [i for i, c in enumerate(commands) if re.search(pattern, c)]
        assert hits, f"no command matches {pattern!r}: {commands}"
        return hits[0]

    install = first(r"\bpip install nox\b")
    build = first(r"\bnox -s docs\b")
    copy = first(rf"\bcp -r {re.escape(HTML_DIR)}/?\.? \$READTHEDOCS_OUTPUT/html/?")
    assert install < build < copy
    assert f"PYTORCH_NOTES_TORCH_INDEX={CPU_INDEX}" in commands[build]


# -- GitHub Pages --------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load(".github/workflows/docs.yml")


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def test_pages_workflow_runs_on_main_and_by_hand(workflow: dict[str, Any]) -> None:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "main" in on["push"]["branches"]
    assert "workflow_dispatch" in on


def test_pages_build_job_mirrors_the_local_build(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["build"]
    assert job["runs-on"] == "ubuntu-latest"
    assert steps_using(job, "actions/checkout")
    (setup,) = steps_using(job, "actions/setup-python")
    assert supported(str(setup["with"]["python-version"]))
    runs = [s.get("run", "") for s in job["steps"]]
    assert any("apt-get install" in r and "fonts-noto-cjk" in r for r in runs)
    assert any(re.search(r"\bpip install nox\b", r) for r in runs)

    (build,) = [s for s in job["steps"] if re.search(r"\bnox -s docs\b", s.get("run", ""))]
    assert build["env"]["PYTORCH_NOTES_TORCH_INDEX"] == CPU_INDEX
    # The site's URL comes from configure-pages, which must run before the build.
    (pages,) = steps_using(job, "actions/configure-pages")
    assert (
        build["env"]["PYTORCH_NOTES_BASE_URL"] == f"${{{{ steps.{pages['id']}.outputs.base_url }}}}"
    )
    assert job["steps"].index(pages) < job["steps"].index(build)

    (upload,) = steps_using(job, "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == HTML_DIR
    assert job["steps"].index(build) < job["steps"].index(upload)


def test_pages_deploy_job_has_the_permissions_it_needs(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["deploy"]
    assert job["needs"] in ("build", ["build"])
    assert job["permissions"]["pages"] == "write"
    assert job["permissions"]["id-token"] == "write"
    assert job["environment"]["name"] == "github-pages"
    assert steps_using(job, "actions/deploy-pages")
    # Nothing else in the workflow may write: the build job runs third-party code (pip).
    assert workflow["permissions"] == {"contents": "read"}
