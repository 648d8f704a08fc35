"""Names of the taxonomy's codes (categories, industries) for the clue pages.

Triage owns the taxonomy and sits above clues: it fills the registry store "taxonomy" in its
``AppConfig.ready()`` with ``"label"`` and ``"choices"``. Without it a code is shown as itself and
no choices are offered.
"""

from __future__ import annotations

from cluedesk.platform.registry import registry


def label(kind: str, code: str) -> str:
    """The name of a category or industry code in the reader's language."""
    if not code:
        return ""
    named = registry["taxonomy"].get("label")
    return named(kind, code) if named is not None else code


def choices(kind: str) -> list[tuple[str, str]]:
    """Categories or industries as (code, name in the reader's language), in the taxonomy's order."""
    listed = registry["taxonomy"].get("choices")
    return list(listed(kind)) if listed is not None else []
