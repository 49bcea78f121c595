"""Where the site is published, and where learners get the helper package: set here only.

``base_url()`` is the published root (the folder holding ``en/`` and
``zh-cn/``); the sitemap, the 404 page, the canonical links and the wheel's
address use it. Hosting can override it without editing this file:
``PYTORCH_NOTES_BASE_URL=https://example.org/notes/ nox -s docs``. On Read
the Docs the build uses ``READTHEDOCS_CANONICAL_URL``'s root.

The build (``docs/build.py``) puts the helper package's wheel in the site, at
``<base URL>/dist/<wheel>``: the notebooks' first cell, each tutorial's "run
it yourself" note and the README install it from there (``wheel_url()``), and
the download-all zips carry the same file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Sphinx depends on tomli there
    import tomli as tomllib

DEFAULT_BASE_URL = "https://pytorch-notes.github.io/pytorch-notes/"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
WHEEL_DIR = "dist"  # the folder of the built site (docs/_build/html/dist/) holding the wheel


def base_url() -> str:
    url = (
        os.environ.get("PYTORCH_NOTES_BASE_URL")
        or os.environ.get("READTHEDOCS_CANONICAL_URL")
        or DEFAULT_BASE_URL
    )
    return url if url.endswith("/") else url + "/"


def package_version() -> str:
    """The helper package's version, as ``pyproject.toml`` states it."""
    with open(PYPROJECT, "rb") as f:
        found = tomllib.load(f).get("project", {}).get("version")
    if not found:
        raise ValueError(f"no [project] version in {PYPROJECT}")
    return str(found)


def wheel_name() -> str:
    """The file name of the package's wheel (pure Python: one wheel for every platform)."""
    return f"pytorch_notes-{package_version()}-py3-none-any.whl"


def wheel_url(root: str | None = None) -> str:
    """Where learners download the wheel: ``<base URL>dist/<wheel>`` (or under ``root``)."""
    return f"{root or base_url()}{WHEEL_DIR}/{wheel_name()}"
