"""Helpers for the PyTorch Notes tutorials.

The tutorials (``gallery/en`` and ``gallery/zh``) keep the lesson's own code
visible; this package holds the plumbing they share:

- :mod:`pytorch_notes.graph` -- record the forward graph while code runs,
  read the autograd graph behind a tensor (tutorials 01-03).
- :mod:`pytorch_notes.draw` -- draw both graphs, and animate the forward one
  growing (tutorials 01-03).
- :mod:`pytorch_notes.capture` -- graph-break reasons, recompilation guards
  and AOTAutograd's forward and backward graphs (tutorial 10).
- :mod:`pytorch_notes.animation` -- animations whose HTML player needs no CDN.
- :mod:`pytorch_notes.i18n` -- figure labels in the page's language, with a
  clean fallback to English where no CJK font is installed.
- :mod:`pytorch_notes.data` -- the source article's two-class data and the checks a
  data set passes before training (tutorial 05).
- :mod:`pytorch_notes.models` -- logistic regression as an ``nn.Module``
  subclass and as an ``nn.Sequential`` (tutorial 06).
- :mod:`pytorch_notes.training` -- the shared training loop :func:`fit`, its
  history, evaluations and early stop (tutorials 05 and 06).
- :mod:`pytorch_notes.plotting` -- decision boundaries, snapshots, learning
  curves and animations, labelled in the page's language (tutorials 05 and 06).
"""

__version__ = "0.1.0"
