"""Pure text analysis for triage: no Django here (see docs/triage.md).

``analyze(text)`` gives what same-matter grouping needs, ``resolve_place(text)`` the most specific
administrative division a text names, ``taxonomy.label`` the product's labels.
"""

from .matching import Analysis, PairModel, analyze
from .places import resolve_place

__all__ = ["Analysis", "PairModel", "analyze", "resolve_place"]
