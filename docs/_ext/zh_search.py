"""Make Sphinx's Chinese search work in the browser.

Sphinx 9.0's Chinese search language stems the Latin words of a Chinese page
with the English Snowball stemmer (``english-stemmer.js``, which defines
``EnglishStemmer``) but ends ``language_data.js`` with
``window.Stemmer = ChineseStemmer;`` -- a name no script defines. The search
page then throws ``ReferenceError: ChineseStemmer is not defined`` and finds
nothing. This registers the same language with the stemmer's real name.
Word segmentation (jieba) is untouched.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.search.zh import SearchChinese


class SearchChineseFixed(SearchChinese):
    # Only used for the line ``window.Stemmer = <language_name>Stemmer;``.
    language_name = "English"


def setup(app: Sphinx) -> dict:
    if SearchChinese.js_stemmer_rawcode == "english-stemmer.js":
        app.add_search_language(SearchChineseFixed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
