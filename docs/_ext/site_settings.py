"""Where the site and its source live: set here, and only here.

``BASE_URL`` is the published root (the folder holding ``en/`` and
``zh-cn/``); the sitemap, the 404 page and the canonical links use it.
Hosting can override it without editing this file:
``PYTORCH_NOTES_BASE_URL=https://example.org/notes/ nox -s docs``. On Read
the Docs the build uses ``READTHEDOCS_CANONICAL_URL``'s root.

``REPOSITORY`` is the git repository learners install the helper package
from (the notebooks' first cell, the README, the pages' "how to run").
"""

from __future__ import annotations

import os

DEFAULT_BASE_URL = "https://pytorch-notes.github.io/pytorch-notes/"
REPOSITORY = os.environ.get(
    "PYTORCH_NOTES_REPOSITORY", "https://github.com/pytorch-notes/pytorch-notes"
)


def base_url() -> str:
    url = (
        os.environ.get("PYTORCH_NOTES_BASE_URL")
        or os.environ.get("READTHEDOCS_CANONICAL_URL")
        or DEFAULT_BASE_URL
    )
    return url if url.endswith("/") else url + "/"


def pip_requirement() -> str:
    """What ``pip install`` needs to get the helper package from the repository."""
    return f"pytorch-notes @ git+{REPOSITORY}"
