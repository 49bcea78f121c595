"""The site's two languages: where each is built and how to reach its counterpart.

Shared by ``docs/conf.py`` (the switcher), ``docs/build.py`` (the output
folders) and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lang:
    code: str  # Sphinx's language, passed with -D language=...
    source: str  # folder under docs/ holding the MyST pages
    gallery: str  # folder under gallery/ holding the tutorial scripts
    out: str  # folder under docs/_build/html/
    hreflang: str  # BCP 47 tag, as in <html lang>
    label: str  # the language's own name, shown on the switcher
    project: str  # the site's title in this language
    switch_title: str  # tooltip of the switcher, in this language


LANGUAGES: dict[str, Lang] = {
    "en": Lang(
        "en", "en", "en", "en", "en", "English", "PyTorch Notes", "Read this page in Chinese"
    ),
    "zh_CN": Lang(
        "zh_CN", "zh", "zh", "zh-cn", "zh-CN", "简体中文", "PyTorch 笔记", "阅读本页的英文版"
    ),
}


def other(code: str) -> Lang:
    """The language a page's switcher leads to."""
    (lang,) = (lang for key, lang in LANGUAGES.items() if key != code)
    return lang


def counterpart_url(code: str, pagename: str) -> str:
    """Relative URL from page ``pagename`` to the same page in the other language.

    Both trees hold the same page names, so the counterpart of
    ``en/tutorials/core/plot_01_computational_graph.html`` is
    ``zh-cn/tutorials/core/plot_01_computational_graph.html``.
    """
    up = "../" * (pagename.count("/") + 1)
    return f"{up}{other(code).out}/{pagename}.html"
