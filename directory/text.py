"""Fold text the way patients type it: no accents, no case, no punctuation."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """'Dr Hélène  L'Écuyer-Saint' → 'dr helene l ecuyer saint'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", ascii_only).strip()
