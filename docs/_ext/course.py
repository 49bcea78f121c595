"""The course's data, ``docs/course.toml``: one record per tutorial, and the pages made from it.

Adding a tutorial takes its two scripts (``gallery/en/`` and ``gallery/zh/``) and
one ``[[tutorial]]`` record in ``docs/course.toml`` (its header says what each field
is). From the records, at build time:

- ``course-outline``: a group's part of the home page's course outline,
  ``- **NN** · [Title](tutorials/<group>/plot_NN_*.rst): text``, in reading order,
  in numbered parts where records open one; the directive's own content follows
  the list, as its last items;
- ``course-summary``: the summary table, one row per ``[[tutorial.summary]]``, its
  "Where" cell a link to the row's tutorial;
- the concept map (``concept_map.py`` draws it from :func:`concepts` and :func:`links`).

The text of a record is MyST markdown, parsed in the page that shows it: roles
(``{term}``), math and links work as they do in the page itself.

**Checks.** Before anything is read, the build stops with an error naming the
tutorial and the field when a gallery script has no record, a record has no
script (in either language), a text lacks a language, a concept id is used twice,
a link names an unknown concept, or a tutorial has no concept or no summary row.
"""

from __future__ import annotations

import ast
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # Sphinx depends on tomli there
    import tomli as tomllib

from docutils import nodes
from docutils.parsers.rst import directives
from languages import RECORDS, find
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)
COURSE = Path(__file__).resolve().parents[1] / "course.toml"
LANGS = tuple(lang.short for lang in RECORDS)  # the records' languages: gallery/en, gallery/zh
GROUPS = ("core", "further")
SCRIPT = re.compile(r"(?P<group>[a-z]+)/(?P<stem>plot_(?P<number>\d+)_\w+)")
LINK = re.compile(r"\s*(\w+)\s*->\s*(\w+)\s*")
FIELDS = {"script", "title", "part", "outline", "links", "concept", "summary"}
# What follows the link in an outline item, and the pair of summary columns.
AFTER_TITLE = {"en": ": ", "zh": "："}
ROW = ("idea", "remember")


@dataclass(frozen=True)
class Concept:
    id: str
    label: dict[str, str]  # language -> label


@dataclass(frozen=True)
class Record:
    script: str  # "core/plot_01_computational_graph"
    group: str
    number: int
    title: dict[str, str]  # language -> the outline's link text; empty: the script's title
    part: dict[str, str]  # language -> the title of the part this tutorial opens; or empty
    outline: dict[str, str]
    links: tuple[tuple[str, str], ...]
    concepts: tuple[Concept, ...]
    summary: tuple[dict[str, tuple[str, str]], ...]  # per row: language -> (idea, remember)

    @property
    def name(self) -> str:
        """How an error message names the record: ``tutorial 07 (further/plot_07_...)``."""
        return f"tutorial {self.number:02d} ({self.script})"

    def page(self) -> str:
        """The tutorial's page, as a link from a page at the top of a language's tree."""
        return f"tutorials/{self.script}.rst"


def _texts(value: object, where: str, problems: list[str]) -> dict[str, str]:
    """A ``{en = ..., zh = ...}`` table's texts; a problem for each language missing."""
    if not isinstance(value, dict):
        problems.append(f"{where} must have en and zh texts (e.g. {where}.en = '...')")
        return {}
    problems += [f"{where}.{lang} is missing" for lang in LANGS if not value.get(lang)]
    problems += [f"{where}.{key} is not a language ({', '.join(LANGS)})" for key in value
                 if key not in LANGS]  # fmt: skip
    return {lang: str(value[lang]) for lang in LANGS if value.get(lang)}


def parse(data: dict) -> tuple[list[Record], list[str]]:
    """The records of a parsed ``course.toml``, and what is wrong with each one's fields."""
    problems: list[str] = []
    records: list[Record] = []
    for index, entry in enumerate(data.get("tutorial", []), start=1):
        script = str(entry.get("script", ""))
        match = SCRIPT.fullmatch(script)
        if not match:
            problems.append(
                f"[[tutorial]] number {index} in the file: script = {script!r} is not "
                '"<group>/plot_NN_name"'
            )
            continue
        name = f"tutorial {int(match['number']):02d} ({script})"
        found: list[str] = []
        found += [f"unknown field {key!r}" for key in entry if key not in FIELDS]
        if match["group"] not in GROUPS:
            found.append(f"script: the group {match['group']!r} is not one of {GROUPS}")
        title = _texts(entry["title"], "title", found) if "title" in entry else {}
        part = _texts(entry["part"], "part", found) if "part" in entry else {}
        outline = _texts(entry.get("outline"), "outline", found)
        links = []
        for text in entry.get("links", []):
            pair = LINK.fullmatch(str(text))
            if pair:
                links.append((pair[1], pair[2]))
            else:
                found.append(f'links: {text!r} is not "from_id -> to_id"')
        concepts = []
        for number, concept in enumerate(entry.get("concept", []), start=1):
            if not concept.get("id"):
                found.append(f"concept {number} has no id")
                continue
            where = f"concept {concept['id']!r}"
            label = _texts({k: v for k, v in concept.items() if k != "id"}, where, found)
            concepts.append(Concept(str(concept["id"]), label))
        rows = []
        for number, row in enumerate(entry.get("summary", []), start=1):
            texts = {}
            for lang in LANGS:
                cells = row.get(lang)
                missing = [c for c in ROW if not (isinstance(cells, dict) and cells.get(c))]
                if missing:
                    found += [f"summary row {number}: {lang}.{c} is missing" for c in missing]
                else:
                    texts[lang] = (str(cells["idea"]), str(cells["remember"]))
            found += [f"summary row {number}: {key!r} is not a language ({', '.join(LANGS)})"
                      for key in row if key not in LANGS]  # fmt: skip
            rows.append(texts)
        problems += [f"{name}: {problem}" for problem in found]
        records.append(
            Record(script, match["group"], int(match["number"]), title, part, outline,
                   tuple(links), tuple(concepts), tuple(rows))
        )  # fmt: skip
    return records, problems


def read(path: Path = COURSE) -> tuple[list[Record], list[str]]:
    """The records of ``path``, in reading order, and what is wrong with their fields."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        return [], [f"not valid TOML: {error}"]
    records, problems = parse(data)
    return sorted(records, key=lambda r: (r.number, r.script)), problems


def load(path: Path = COURSE) -> list[Record]:
    """The records of ``path``, in reading order; an error naming every problem of its fields."""
    records, problems = read(path)
    if problems:
        raise ExtensionError(f"{path}:\n  " + "\n  ".join(problems))
    return records


def check(records: list[Record], galleries: dict[str, Path]) -> list[str]:
    """What is wrong with the records for these galleries (language -> ``gallery/<lang>``)."""
    problems = []
    scripts = {r.script for r in records}
    for gallery in galleries.values():
        for path in sorted(gallery.glob("*/plot_*.py")):
            script = path.relative_to(gallery).with_suffix("").as_posix()
            if script not in scripts:
                problems.append(
                    f"{path.relative_to(gallery.parent.parent)} has no record: add a "
                    f'[[tutorial]] with script = "{script}" to docs/course.toml'
                )
        problems += [
            f"{r.name}: no script gallery/{gallery.name}/{r.script}.py"
            for r in records
            if not (gallery / f"{r.script}.py").is_file()
        ]
    for a, b in itertools.combinations(records, 2):
        if a.number == b.number:
            problems.append(f"{a.name} and {b.name} have the same number")
    owner: dict[str, Record] = {}
    for r in records:
        for c in r.concepts:
            if c.id in owner:
                problems.append(
                    f"{r.name}: concept id {c.id!r} is used twice (also in {owner[c.id].name})"
                )
            owner.setdefault(c.id, r)
    for r in records:
        own = {c.id for c in r.concepts}
        if not own:
            problems.append(f"{r.name}: no concept for the concept map: add a [[tutorial.concept]]")
        if not r.summary:
            problems.append(f"{r.name}: no row for the summary table: add a [[tutorial.summary]]")
        for u, v in r.links:
            unknown = [i for i in (u, v) if i not in owner]
            if unknown:
                problems.append(
                    f"{r.name}: link '{u} -> {v}' names an unknown concept id {unknown[0]!r}"
                )
            elif v not in own:
                problems.append(
                    f"{r.name}: link '{u} -> {v}' leads into {owner[v].name}'s concept: "
                    "list it under that tutorial"
                )
    for group in GROUPS:
        members = [r for r in records if r.group == group]
        if any(r.part for r in members) and not members[0].part:
            problems.append(
                f"{members[0].name}: the {group} group's outline has parts, and its first "
                "tutorial opens none: give it a part"
            )
    return problems


def concepts(records: list[Record]) -> list[tuple[str, str, str, int]]:
    """The concept map's ideas: ``(id, English, Chinese, tutorial number)``, in reading order."""
    return [(c.id, c.label["en"], c.label["zh"], r.number) for r in records for c in r.concepts]


def links(records: list[Record]) -> list[tuple[str, str]]:
    """The concept map's arrows: ``(from_id, to_id)``."""
    return [link for r in records for link in r.links]


def rst_title(text: str) -> str:
    """The first reST title in ``text``: the line above the first underline, ``literals``
    as plain text."""
    lines = text.splitlines()
    for above, line in itertools.pairwise(lines):
        if above.strip() and re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}", line.strip()):
            return above.strip().replace("``", "")
    raise ExtensionError(f"no reST title in {text[:60]!r}")


def script_title(path: Path) -> str:
    """The title of the tutorial script at ``path`` (its docstring's reST title)."""
    return rst_title(ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "")


def _indent(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


def outline_markdown(records: list[Record], group: str, lang: str, gallery: Path) -> str:
    """The group's outline as MyST markdown: a bullet per tutorial, in numbered parts if
    its records open any."""
    members = [r for r in records if r.group == group]
    parted = any(r.part for r in members)
    lines = []
    for r in members:
        if r.part:
            if lines:
                lines.append("")
            lines += [f"{sum(1 for m in members[: members.index(r) + 1] if m.part)}. "
                      f"**{r.part[lang]}**", ""]  # fmt: skip
        title = r.title.get(lang) or script_title(gallery / f"{r.script}.py")
        text = f"- **{r.number:02d}** · [{title}]({r.page()}){AFTER_TITLE[lang]}{r.outline[lang]}"
        lines.append(("   " if parted else "") + _indent(text, 5 if parted else 2))
    return "\n".join(lines) + "\n"


def summary_markdown(records: list[Record], lang: str, header: str, where: str) -> str:
    """The summary table as MyST markdown: ``header``'s columns, then every record's rows;
    ``where`` is the link text of the last column, with ``{number}`` (``Tutorial {number}``)."""
    columns = [c.strip() for c in header.split("|")]
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for r in records:
        link = f"[{where.format(number=f'{r.number:02d}')}]({r.page()})"
        lines += [f"| {row[lang][0]} | {row[lang][1]} | {link} |" for row in r.summary]
    return "\n".join(lines) + "\n"


# -- Sphinx ------------------------------------------------------------------------------


def language(app: Sphinx) -> str:
    """The records' language for this build: "zh" for Chinese, else "en"."""
    return find(app.config.language).short


def galleries(app: Sphinx) -> dict[str, Path]:
    """Every language's gallery folder, found beside this build's (``gallery/en``, ``/zh``)."""
    own = (Path(app.srcdir) / app.config.sphinx_gallery_conf["examples_dirs"][0]).resolve()
    return {lang: own.parent / lang for lang in LANGS}


def records(app: Sphinx) -> list[Record]:
    """The checked records (read once per build)."""
    found = getattr(app, "_pn_course", None)
    if found is None:
        found, problems = read()
        problems = problems or check(found, galleries(app))
        if problems:
            for problem in problems:  # one line each, at the top of the build's output
                logger.error("%s: %s", COURSE, problem)
            raise ExtensionError(
                f"{COURSE}: {len(problems)} problem(s), each named above:\n  "
                + "\n  ".join(problems)
            )
        app._pn_course = found  # type: ignore[attr-defined]
    return found


class _CourseDirective(SphinxDirective):
    def note_dependencies(self) -> None:
        # Re-read the page when the records, this code or a script (its title) change.
        self.env.note_dependency(str(COURSE))
        self.env.note_dependency(__file__)
        for path in galleries(self.env.app)[language(self.env.app)].glob("*/plot_*.py"):
            self.env.note_dependency(str(path))

    def parsed(self, text: str) -> list[nodes.Node]:
        return self.parse_text_to_nodes(text, allow_section_headings=False)


class CourseOutline(_CourseDirective):
    """``course-outline`` *group*: the group's tutorials as the outline lists them; the
    directive's content (MyST) follows, as more items of the same list."""

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        self.note_dependencies()
        group = self.arguments[0]
        if group not in GROUPS:
            raise self.error(f"course-outline: {group!r} is not one of {GROUPS}")
        lang = language(self.env.app)
        gallery = galleries(self.env.app)[lang]
        text = outline_markdown(records(self.env.app), group, lang, gallery)
        if self.content:
            text += "\n" + "\n".join(self.content) + "\n"
        return self.parsed(text)


class CourseSummary(_CourseDirective):
    """``course-summary``: the summary table; ``:header:`` names its three columns
    (``Idea | What to remember | Where``), ``:where:`` is the link text of the last
    (``Tutorial {number}``)."""

    option_spec: ClassVar = {
        "header": directives.unchanged_required,
        "where": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        self.note_dependencies()
        missing = [name for name in ("header", "where") if name not in self.options]
        if missing:
            raise self.error(f"course-summary needs :{missing[0]}:")
        if len(self.options["header"].split("|")) != 3:
            raise self.error("course-summary: :header: names three columns, split by |")
        app = self.env.app
        text = summary_markdown(
            records(app), language(app), self.options["header"], self.options["where"]
        )
        return self.parsed(text)


def _check_at_start(app: Sphinx) -> None:
    records(app)


def setup(app: Sphinx) -> dict:
    # Before the concept map is drawn (concept_map's builder-inited, priority 500).
    app.connect("builder-inited", _check_at_start, priority=400)
    app.add_directive("course-outline", CourseOutline)
    app.add_directive("course-summary", CourseSummary)
    return {"env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
