"""One Sphinx configuration for both languages of PyTorch Notes.

Built once per language by ``docs/build.py`` (which ``nox -s docs`` runs)::

    sphinx-build -c docs -D language=en    docs/en docs/_build/html/en
    sphinx-build -c docs -D language=zh_CN docs/zh docs/_build/html/zh-cn

Everything that depends on the language is set in :func:`_configure_language`,
which runs when the configuration is read, after ``-D language=...`` applied.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

from cards import SIZE_PX as CARD_SIZE  # noqa: E402
from languages import LANGUAGES, counterpart_url, other  # noqa: E402
from site_settings import WHEEL_DIR, base_url, wheel_name, wheel_url  # noqa: E402
from site_words import _  # noqa: E402
from svg_figures import SvgFigures  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "PyTorch Notes"
author = "PyTorch Notes authors"
copyright = "2026, PyTorch Notes authors"
language = "en"  # overridden per build with -D language=zh_CN

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",  # the package's NumPy-style docstring sections (Parameters, Returns, Raises)
    "myst_parser",
    "mathml",  # docs/_ext: math as MathML, made at build time (no MathJax, no JavaScript)
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",  # a copy button on every code cell and output (its own JS, no CDN)
    "site_words",  # docs/_ext: the site's own words come from docs/locale's catalog
    "gallery_pages",  # docs/_ext: translation, run-it note, solution toggles, clean notebooks
    "zh_search",  # docs/_ext: works around a Sphinx 9.0 bug in Chinese search
    "cjk_linebreaks",  # docs/_ext: no stray space where a Chinese line breaks
    "course",  # docs/_ext: outline, summary table and map data from docs/course.toml
    "concept_map",  # docs/_ext: the summary page's concept map, drawn at build time
    "course_nav",  # docs/_ext: tutorial numbers in the sidebar and previous/next links
    "api_backrefs",  # docs/_ext: "Used in" tutorials under each API entry
    "page_fixes",  # docs/_ext: image sizes, animation labels
    "cards",  # docs/_ext: drawn card pictures where a tutorial's figures don't read at card size
    "torch_links",  # docs/_ext: PyTorch names in the prose linked to PyTorch's reference (intersphinx)
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
locale_dirs = [str(DOCS / "locale")]  # the site's words: theme and extensions (site_words)
gettext_compact = False
html_static_path = ["_static"]
# sphinx-gallery writes notebooks, scripts and md5 files next to its pages:
# none of them is a page.
exclude_patterns = ["**.ipynb", "**.py", "**.md5", "**.zip", "api/backreferences"]

myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
html_math_renderer = "mathml"  # docs/_ext/mathml.py: $...$ and :math: become MathML
myst_heading_anchors = 3

# -- Copy buttons --------------------------------------------------------------

# Prompts (``>>>``, ``...``, ``$``) are not copied; the button's words follow
# <html lang> (sphinx-copybutton ships Chinese for zh-CN).
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# -- API reference (autodoc) -------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}

# -- Links to PyTorch's reference (intersphinx) ------------------------------

# sphinx-gallery links the names in the tutorials' code through these inventories,
# docs/_ext/torch_links.py the names in their prose. The build reads no network:
# each inventory is a vendored file, filtered to the names the site uses
# (tools/torch_inventory.py makes or refreshes torch.inv, tools/reference_inventories.py
# the other three).
intersphinx_mapping = {
    "torch": ("https://docs.pytorch.org/docs/stable/", str(DOCS / "_inventories" / "torch.inv")),
    "python": ("https://docs.python.org/3/", str(DOCS / "_inventories" / "python.inv")),
    "numpy": ("https://numpy.org/doc/stable/", str(DOCS / "_inventories" / "numpy.inv")),
    "matplotlib": ("https://matplotlib.org/stable/", str(DOCS / "_inventories" / "matplotlib.inv")),
}
intersphinx_timeout = 1  # a remote location would fail fast; every location here is a file
intersphinx_cache_limit = -1  # never refetch a cached inventory

# -- HTML ------------------------------------------------------------------

# The helper package's wheel: built by docs/build.py, put in the site at
# <base URL>dist/, carried by the download-all zips (gallery_pages).
pn_wheel_url = wheel_url()  # shown on each tutorial page
pn_wheel_file = str(DOCS / "_build" / WHEEL_DIR / wheel_name())

html_theme = "furo"
html_css_files = ["pytorch-notes.css"]
html_js_files = ["pytorch-notes.js"]  # animations start when reached (docs/_ext/page_fixes.py)
html_favicon = "_static/favicon.svg"
html_theme_options = {
    # The "view this page" slot at the top of every page holds the language
    # switcher (docs/_templates/components/view-this-page.html).
    "top_of_page_buttons": ["view"],
    "navigation_with_keys": True,
}
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/lang-switcher.html",
        "sidebar/search.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/scroll-end.html",
    ]
}
html_domain_indices = False  # no "Python module index" page: the API page lists the modules
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf: dict = {}  # filled per language in _configure_language


FIRST_NOTEBOOK_CELL = """\
# This notebook needs PyTorch and the site's helper package `pytorch_notes`.
# In a fresh environment (e.g. Colab) this cell installs what is missing: the
# package's wheel from beside this notebook (the download-all zip carries it),
# else from the site.
import importlib
import importlib.util
from pathlib import Path

if importlib.util.find_spec("torch") is None:
    %pip install torch
if importlib.util.find_spec("pytorch_notes") is None:
    _wheels = [*Path.cwd().glob("pytorch_notes-*.whl"), *Path.cwd().parent.glob("pytorch_notes-*.whl")]
    _wheel = str(_wheels[0]) if _wheels else "WHEEL_URL"
    %pip install "{_wheel}"
    importlib.invalidate_caches()
%matplotlib inline"""


def _configure_language(app, config) -> None:
    lang = LANGUAGES[config.language]
    config.project = config.html_title = str(_("PyTorch Notes"))
    config.html_baseurl = f"{base_url()}{lang.out}/"  # canonical links
    config.sphinx_gallery_conf = {
        "examples_dirs": [str(Path("..", "..", "gallery", lang.gallery))],
        "gallery_dirs": ["tutorials"],
        "filename_pattern": r"/plot_",
        "within_subsection_order": "FileNameSortKey",
        "download_all_examples": True,
        "remove_config_comments": True,
        "show_memory": False,
        "capture_repr": (),  # a cell ending in draw_forward(...) shows the figure, not "<Axes ...>"
        "write_computation_times": False,
        "show_signature": False,
        "line_numbers": False,
        "min_reported_time": 10**6,  # timings vary by machine: keep pages identical
        "reset_modules": ("matplotlib",),
        "matplotlib_animations": (True, "jshtml"),
        # Figures as SVG (docs/_ext/svg_figures.py): sharp on any screen, no 2x copy needed.
        "image_scrapers": (SvgFigures(),),
        "image_srcset": [],
        # Card thumbnails from a PNG of the figure (``# sphinx_gallery_thumbnail_number = N``
        # in a tutorial picks which), at twice the card's CSS size.
        "thumbnail_size": CARD_SIZE,
        # "Used in" thumbnails on the API pages (``minigallery``).
        "doc_module": ("pytorch_notes",),
        "backreferences_dir": "api/backreferences",
        "first_notebook_cell": FIRST_NOTEBOOK_CELL.replace("WHEEL_URL", wheel_url()),
    }


def _add_counterpart(app, pagename, templatename, context, doctree) -> None:
    lang, target = LANGUAGES[app.config.language], other(app.config.language)
    context["pn_counterpart"] = counterpart_url(app.config.language, pagename)
    context["pn_label"] = lang.label
    context["pn_other_label"] = target.label
    context["pn_other_hreflang"] = target.hreflang
    context["pn_switch_title"] = _("Read this page in {language}").format(
        language=_(target.english_name)
    )
    # furo writes <html lang="{{ language }}">: make it a BCP 47 tag (zh-CN, not zh_CN).
    context["language"] = lang.hreflang
    # Tell search engines (and tools) where each language's version of this page is.
    alternates = "".join(
        f'<link rel="alternate" hreflang="{code.hreflang}" href="{base_url()}{code.out}/{pagename}.html" />\n'
        for code in LANGUAGES.values()
    )
    context["metatags"] = context.get("metatags", "") + alternates


def _quiet_jieba() -> None:
    """jieba (Chinese word segmentation for search) logs its start-up to stderr."""
    try:
        import jieba
    except ImportError:  # Sphinx then splits Chinese text without it
        return
    jieba.setLogLevel(logging.WARNING)


def _dataclass_defaults(app, what, name, obj, options, signature, return_annotation):
    """A dataclass field made by a factory shows its default as ``<factory>``, which is no
    Python: Sphinx then gives up parsing the whole signature and prints it raw (hints as
    ``~torch.Size``, nothing linked). Write the call the default comes from (``list()``)."""
    fields = getattr(obj, "__dataclass_fields__", None)
    if what != "class" or not fields or not signature or "<factory>" not in signature:
        return None
    for field in fields.values():
        factory = field.default_factory
        if callable(factory) and f"{field.name}:" in signature:
            head, _, tail = signature.partition(f"{field.name}:")
            tail = tail.replace("<factory>", f"{getattr(factory, '__name__', 'factory')}()", 1)
            signature = head + f"{field.name}:" + tail
    return signature, return_annotation


def setup(app):
    _quiet_jieba()
    app.connect("autodoc-process-signature", _dataclass_defaults)
    # sphinx-gallery saves each animation's thumbnail with Pillow (no ffmpeg
    # here, by design); matplotlib logs that choice at every animation.
    logging.getLogger("matplotlib.animation").setLevel(logging.ERROR)
    # Before sphinx-gallery validates its configuration (priority 10).
    app.connect("config-inited", _configure_language, priority=5)
    app.connect("html-page-context", _add_counterpart)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
