"""Helpers for the PyTorch Notes tutorials.

The tutorials (``gallery/en`` and ``gallery/zh``) keep the lesson's own code
visible; this package holds the plumbing they share:

- :mod:`pytorch_notes.i18n` -- figure labels in the page's language, with a
  clean fallback to English where no CJK font is installed.
"""

__version__ = "0.1.0"
