"""The site's own words, in one gettext catalog: ``docs/locale/<code>/LC_MESSAGES/sphinx.po``.

The theme's words that Sphinx has no Chinese for and the words this site's
extensions put on pages (the "run it yourself" note, "Solution", "Used in",
the animation widget's labels, the site's title, the switcher's tooltip,
sphinx-gallery's phrases) are all messages of that catalog. An extension
writes the English, ``_("Solution")``; on a Chinese page it becomes the
catalog's ``msgstr``. There is no table of words in the code.

Sphinx compiles ``sphinx.po`` to ``sphinx.mo`` when a build starts
(``locale_dirs`` in ``conf.py``; the ``.mo`` is not kept in git), and the
site's catalog comes before Sphinx's own, so its entries win. ``_`` is
lazy: the text is looked up when it is turned into a string, by then in the
build's language. ``tests/test_site_words.py`` checks that every message the
extensions use has a translation.
"""

from __future__ import annotations

from sphinx.locale import get_translation

CATALOG = "sphinx"  # the catalog Sphinx itself compiles and loads from locale_dirs

_ = get_translation(CATALOG)


def setup(app) -> dict:
    """Loaded by the extensions that use ``_`` (``app.setup_extension("site_words")``)."""
    return {"parallel_read_safe": True, "parallel_write_safe": True}
