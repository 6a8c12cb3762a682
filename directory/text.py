"""Fold text the way patients type it: no accents, no case, no punctuation."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """'Dr Hélène  L'Écuyer-Saint' → 'dr helene l ecuyer saint'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", ascii_only).strip()


# Words patients type that name nobody: titles and the small words of French and English.
QUERY_STOPWORDS = frozenset(
    {"dr", "docteur", "pr", "professeur", "de", "du", "des", "la", "le", "les", "et", "en", "au", "aux"}
    | {"doctor", "the", "of", "and"}
)
MAX_QUERY_WORDS = 8


def search_words(text: str) -> list[str]:
    """The words of a query that a search matches: folded, two letters or more, at most eight."""
    words = [word for word in fold(text).split() if len(word) >= 2 and word not in QUERY_STOPWORDS]
    return words[:MAX_QUERY_WORDS]
