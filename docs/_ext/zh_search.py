"""Make Sphinx's Chinese search find the course's own terms.

Three fixes, all for the Chinese build:

1. **The stemmer's name.** Sphinx 9.0's Chinese search language stems the
   Latin words of a Chinese page with the English Snowball stemmer
   (``english-stemmer.js``, which defines ``EnglishStemmer``) but ends
   ``language_data.js`` with ``window.Stemmer = ChineseStemmer;`` -- a name
   no script defines, so the search page threw and found nothing.

2. **The course's terms are words.** The index is made of jieba's words.
   jieba's dictionary does not know 静态图, 计算图, 叶子节点 or 反向传播, so a
   page holding 静态图 is indexed under 静态 and 图 (one character, which
   Sphinx drops), and the query 静态图 -- one term in the browser -- matched
   no page. Every term of the Chinese glossary (``docs/zh/glossary.md``) is
   loaded into jieba as a user word, so it is indexed whole (jieba's search
   mode still indexes its parts, 静态 and 计算, too).

3. **A query is cut as the index was.** The browser splits a query only at
   spaces and punctuation; Chinese has neither between words. For a Chinese
   run that is not an indexed word, :data:`SPLITTER` cuts it into the longest
   indexed words (greedy, left to right) and drops characters no word covers,
   so 梯度下降法 finds the pages with 梯度 and 下降 when the phrase itself is
   not a word.

The search result's snippet (its text) is cleaned in ``_static/pytorch-notes.js``.
"""

from __future__ import annotations

import re
from pathlib import Path

from languages import ZH, find
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search.zh import SearchChinese

DOCS = Path(__file__).resolve().parent.parent
GLOSSARY = DOCS / ZH.source / "glossary.md"

# Replaces Sphinx's splitQuery (searchtools.js) on the Chinese pages: the same
# split at non-word characters, then each Han run that the index does not hold
# is cut into the longest words it does hold.
SPLITTER = r"""
function splitQuery(query) {
  const parts = query
    .split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)
    .filter((term) => term);
  const index = typeof Search !== "undefined" ? Search._index : null;
  if (!index) return parts;
  const known = (word) => word in index.terms || word in index.titleterms;
  const out = [];
  for (const part of parts) {
    if (known(part) || !/\p{Script=Han}/u.test(part)) {
      out.push(part);
      continue;
    }
    let start = 0;
    while (start < part.length) {
      let end = part.length;
      while (end > start + 1 && !known(part.slice(start, end))) end -= 1;
      const word = part.slice(start, end);
      if (known(word)) out.push(word);
      start = end;
    }
  }
  return out.length ? out : parts;
}
"""


class SearchChineseCourse(SearchChinese):
    """Chinese search: the English stemmer under its real name, the splitter above."""

    # Only used for the line ``window.Stemmer = <language_name>Stemmer;``.
    language_name = (
        "English" if SearchChinese.js_stemmer_rawcode == "english-stemmer.js" else "Chinese"
    )
    js_splitter_code = SPLITTER
    # Single characters are not indexed (too common), except the course's own
    # one-character terms (边: edge), set from the glossary by :func:`_load_terms`.
    course_words: frozenset[str] = frozenset()

    def split(self, input: str) -> list[str]:
        """jieba's words, plus every course term inside them: jieba's search mode adds only
        the two- and three-character parts of a long word, so 权重衰减 inside 解耦权重衰减
        would not be indexed."""
        words = super().split(input)
        return words + [term for term in self.course_words if len(term) > 3 and term in input]

    def word_filter(self, stemmed_word: str) -> bool:
        return super().word_filter(stemmed_word) or stemmed_word in self.course_words


def glossary_terms(path: Path = GLOSSARY) -> list[str]:
    """The terms of a MyST glossary: the unindented lines inside its ``:::{glossary}`` block."""
    terms: list[str] = []
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(":::{glossary}"):
            inside = True
        elif line.startswith(":::"):
            inside = False
        elif inside and line and not line[0].isspace():
            terms.append(line.strip())
    return terms


HAN = re.compile(r"[\u4e00-\u9fff]")


def user_dictionary(terms: list[str]) -> str:
    """jieba's user-dictionary text for ``terms``: each Chinese term, one per line, made frequent.

    A term with spaces (``类别 0``) can't be one jieba word; its Chinese part is
    enough. The high frequency makes jieba prefer the whole term to its parts.
    """
    return "".join(f"{word} 100000 n\n" for word in chinese_terms(terms))


def chinese_terms(terms: list[str]) -> list[str]:
    """The Chinese words of ``terms``: ``类别 0`` gives 类别; English-only terms give none."""
    words = {re.split(r"\s+", term)[0] for term in terms}
    return sorted(word for word in words if HAN.search(word))


def _load_terms(app: Sphinx, config: Config) -> None:
    if find(config.language) is not ZH:
        return
    path = Path(app.outdir).parent / "jieba_course_terms.txt"
    terms = glossary_terms()
    text = user_dictionary(terms)
    SearchChineseCourse.course_words = frozenset(chinese_terms(terms))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # Sphinx's Chinese search loads ``dict`` into jieba as a user dictionary.
    config.html_search_options = {**(config.html_search_options or {}), "dict": str(path)}


def _reread_when_terms_change(app: Sphinx, env, added, changed, removed) -> list[str]:
    """A page's index terms are made when it is read: new terms re-read every page."""
    path = app.config.html_search_options.get("dict") if app.config.html_search_options else None
    if not path or find(app.config.language) is not ZH:
        return []
    # The dictionary, and how words are kept (bump when word_filter changes).
    text = Path(path).read_text(encoding="utf-8") + "filter: one character; split: inner terms"
    if getattr(env, "pn_course_terms", None) == text:
        return []
    env.pn_course_terms = text
    return sorted(env.found_docs - set(added) - set(changed))


def setup(app: Sphinx) -> dict:
    app.add_search_language(SearchChineseCourse)
    app.connect("config-inited", _load_terms)
    app.connect("env-get-outdated", _reread_when_terms_change)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
