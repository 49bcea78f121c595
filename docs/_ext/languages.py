"""The site's two languages: one record each, every spelling derived from it.

A language is its BCP 47 tag (``en``, ``zh-CN``); the other names the tools
want are derived from the tag, never written twice:

============  ========  ==========  =====================================================
``tag``       ``code``  ``out``     ``short``
============  ========  ==========  =====================================================
``en``        ``en``    ``en``      ``en``
``zh-CN``     ``zh_CN`` ``zh-cn``   ``zh``
============  ========  ==========  =====================================================

- ``tag`` / ``hreflang``: ``<html lang>``, ``hreflang`` links, the sitemap;
- ``code``: Sphinx's ``language`` (``-D language=zh_CN``), the gettext folder
  ``docs/locale/zh_CN``;
- ``out``: the folder under ``docs/_build/html/``;
- ``short`` (also ``source`` and ``gallery``): ``docs/zh/``, ``gallery/zh/``,
  and the ``lang`` the helper package's drawing functions take.

The site's words in each language (title, switcher, the extensions' labels)
are in the gettext catalog ``docs/locale/<code>/LC_MESSAGES/sphinx.po``, not
here (``docs/_ext/site_words.py``). Shared by ``docs/conf.py``,
``docs/build.py``, ``tools/audit/run_audit.py`` and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lang:
    tag: str  # BCP 47 language tag
    label: str  # the language's own name, shown on the switcher
    english_name: str  # its name in English: a message of the catalog ("Chinese" -> "中文")

    @property
    def code(self) -> str:
        """Sphinx's and gettext's name: ``zh_CN``."""
        return self.tag.replace("-", "_")

    @property
    def hreflang(self) -> str:
        return self.tag

    @property
    def out(self) -> str:
        """The folder of the built site: ``zh-cn``."""
        return self.tag.lower()

    @property
    def short(self) -> str:
        """The primary subtag: ``zh``."""
        return self.tag.split("-")[0]

    @property
    def source(self) -> str:
        """The folder under ``docs/`` holding the MyST pages."""
        return self.short

    @property
    def gallery(self) -> str:
        """The folder under ``gallery/`` holding the tutorial scripts."""
        return self.short


RECORDS = (
    Lang("en", "English", "English"),
    Lang("zh-CN", "简体中文", "Chinese"),
)

EN, ZH = RECORDS  # code that means one language names its record, never a spelling of it

LANGUAGES: dict[str, Lang] = {lang.code: lang for lang in RECORDS}


def find(name: str) -> Lang:
    """The language any of its spellings names: ``zh_CN``, ``zh-CN``, ``zh-cn`` or ``zh``."""
    key = name.replace("_", "-").lower()
    for lang in RECORDS:
        if key in (lang.tag.lower(), lang.short):
            return lang
    raise KeyError(f"unknown language {name!r}: expected one of {[x.tag for x in RECORDS]}")


def other(code: str) -> Lang:
    """The language a page's switcher leads to."""
    (lang,) = (lang for lang in RECORDS if lang is not find(code))
    return lang


def counterpart_url(code: str, pagename: str) -> str:
    """Relative URL from page ``pagename`` to the same page in the other language.

    Both trees hold the same page names, so the counterpart of
    ``en/tutorials/core/plot_01_computational_graph.html`` is
    ``zh-cn/tutorials/core/plot_01_computational_graph.html``.
    """
    up = "../" * (pagename.count("/") + 1)
    return f"{up}{other(code).out}/{pagename}.html"
