"""What a typed word means on PostgreSQL: a specialty, or words profiles contain.

Each word is expanded through the dictionary of known words (`directory_word`,
kept by triggers; migration 0006) to those it resembles by trigram word
similarity: typos ("cardiologe") and prefixes ("dermato") included. When its
closest expansion belongs to the specialties' vocabulary, French or English
("dentiste", "kiné", "médecin traitant", "GP", "physio"), the word becomes a
filter on those specialties, which the indexes serve far better than the text;
otherwise it must be one of the profile's words (`string_to_array(search_text,
' ')`, GIN index).
"""

import time as clock
from dataclasses import dataclass, field

from django.db import connection

from ..models import Specialty
from ..text import fold, search_words

SIMILARITY_THRESHOLD = 0.6  # "cardiologe" finds "cardiologue" (0.82); "cardiologue" not "dermatologue" (0.5)
MAX_EXPANSIONS = 200  # a two-letter prefix resembles thousands of words
VOCABULARY_TTL_S = 60.0
# Words of the vocabulary's labels and synonyms that say nothing about a specialty.
NOT_SPECIALTY_WORDS = {"de", "du", "des", "la", "le", "les", "et", "en", "au", "aux", "d", "l", "a", "and", "of", "the"}


@dataclass(frozen=True)
class TypedWord:
    """One word of the query and what it expands to."""

    word: str
    specialty_ids: frozenset[int] = frozenset()  # set when the word names specialties
    words: tuple[str, ...] = ()  # else the profile words it matches...
    similarities: tuple[float, ...] = ()  # ...and how closely

    @property
    def exact(self) -> bool:
        return self.words == (self.word,)


@dataclass
class Vocabulary:
    """Folded specialty words, specialty codes by id; reloaded every minute (the admin may edit them)."""

    specialties_by_word: dict[str, frozenset[int]] = field(default_factory=dict)
    code_by_id: dict[int, str] = field(default_factory=dict)
    id_by_code: dict[str, int] = field(default_factory=dict)
    loaded_at: float = float("-inf")


_vocabulary = Vocabulary()


def vocabulary() -> Vocabulary:
    global _vocabulary
    if clock.monotonic() - _vocabulary.loaded_at > VOCABULARY_TTL_S:
        fresh = Vocabulary(loaded_at=clock.monotonic())
        by_word: dict[str, set[int]] = {}
        for pk, code, *words in Specialty.objects.values_list(
            "pk", "code", "label", "profession", "synonyms", "label_en", "synonyms_en"
        ):
            fresh.code_by_id[pk] = code
            fresh.id_by_code[code] = pk
            for word in fold(" ".join(words)).split():
                if word not in NOT_SPECIALTY_WORDS:
                    by_word.setdefault(word, set()).add(pk)
        fresh.specialties_by_word = {word: frozenset(ids) for word, ids in by_word.items()}
        _vocabulary = fresh
    return _vocabulary


def forget_vocabulary() -> None:
    """For tests and after editing specialties: reload on next use."""
    global _vocabulary
    _vocabulary = Vocabulary()


def understand(text: str) -> list[TypedWord] | None:
    """The query's words, expanded; None when a word resembles nothing known (no profile can match)."""
    typed = search_words(text)
    if not typed:
        return []
    expansions: dict[int, list[tuple[str, float]]] = {position: [] for position in range(len(typed))}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT typed.position, known.word, known.similarity "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS typed (term, position) "
            "CROSS JOIN LATERAL ("
            "  SELECT word, word_similarity(typed.term, word) AS similarity FROM directory_word "
            "  WHERE typed.term <%% word AND word_similarity(typed.term, word) >= %s "
            "  ORDER BY similarity DESC, word LIMIT %s"
            ") AS known",
            [typed, SIMILARITY_THRESHOLD, MAX_EXPANSIONS],
        )
        for position, word, similarity in cursor.fetchall():
            expansions[position - 1].append((word, similarity))
    specialties_by_word = vocabulary().specialties_by_word
    understood = []
    for position, word in enumerate(typed):
        found = expansions[position]
        if not found:
            return None
        if word in specialties_by_word:
            understood.append(TypedWord(word, specialty_ids=specialties_by_word[word]))
        elif any(known == word for known, _similarity in found):
            understood.append(TypedWord(word, words=(word,), similarities=(1.0,)))
        else:
            understood.append(_closest(word, found, specialties_by_word))
    return understood


def _closest(word: str, found: list[tuple[str, float]], specialties_by_word: dict) -> TypedWord:
    """An unknown word (a typo, a prefix): a specialty if its closest expansion names one, else words."""
    best = max(similarity for _known, similarity in found)
    if any(similarity == best and known in specialties_by_word for known, similarity in found):
        ids = frozenset().union(*(specialties_by_word.get(known, ()) for known, _s in found))
        return TypedWord(word, specialty_ids=ids)
    plain = [(known, similarity) for known, similarity in found if known not in specialties_by_word]
    return TypedWord(word, words=tuple(k for k, _s in plain), similarities=tuple(s for _k, s in plain))


def prune_dictionary() -> int:
    """Forget the words no published profile bears any more (renamed, hidden, deleted); returns how many.

    Until then such a word is still "known": typed, it would match itself
    exactly (nobody) instead of its living neighbours. Triggers only add words.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM directory_word AS known WHERE NOT EXISTS ("
            "  SELECT 1 FROM directory_profile WHERE string_to_array(search_text, ' ') @> ARRAY[known.word] "
            "  AND status = 'published')"
        )
        return cursor.rowcount
