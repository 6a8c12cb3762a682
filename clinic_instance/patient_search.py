"""Finding a patient from what a caller says: names (typos and accents forgiven), a birth date, a phone.

Used by booking by phone and by the patients pages. A query mixes name words,
a birth date (12/05/1980, 12/05/80, 1980-05-12) and a phone number (06 12 34
56 78, +33612345678, or its first digits). The birth date and the phone narrow
the search exactly; the name words are matched loosely.

The database picks the candidates (on PostgreSQL with the pg_trgm indexes on
the names; on SQLite, the demo, a bounded set of recent patients), then every
candidate is scored here in Python on accent-folded names, so that both
databases rank alike. Erased patients are never found.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from .models import Patient

QUERY_MAX_LENGTH = 200
MAX_WORDS = 6
# A word matches a name when its trigram similarity reaches this (pg_trgm's default).
WORD_THRESHOLD = 0.3
# Two first names (or last names) are alike for duplicate detection from this similarity.
DUPLICATE_THRESHOLD = 0.4
POSTGRES_CANDIDATES = 200
SQLITE_CANDIDATES = 5000

_FOLDS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
# Letters and their accented forms, for accent-insensitive matching in SQL (pg_trgm indexes regexes).
_ACCENTED = {
    "a": "aàâäáãå",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "n": "nñ",
    "o": "oôöóòõ",
    "u": "uûüùú",
    "y": "yÿý",
}
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_FRENCH_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?!\d)")
_PHONE = re.compile(r"\+?\d[\d .\-()]*\d")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class PatientMatch:
    patient: Patient
    score: float  # 0..1, 1 for an exact match of every name word
    possible_duplicate: bool  # another patient looks like the same person


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...] = ()  # accent-folded, lower case
    birth_date: date | None = None
    phone: str = ""  # E.164, a whole number
    phone_prefix: str = ""  # "+336123": the start of a number typed so far
    phone_digits: str = ""  # digits found somewhere in the number

    def __bool__(self) -> bool:
        return bool(self.words or self.birth_date or self.phone or self.phone_prefix or self.phone_digits)


def fold(text: str) -> str:
    """Lower case without accents: "Lefèvre" and "LEFEVRE" both become "lefevre"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_FOLDS))
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def trigrams(text: str) -> set[str]:
    """The trigrams pg_trgm would extract: each word padded with two spaces before and one after."""
    found = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(), on accent-folded text."""
    left, right = trigrams(fold(a)), trigrams(fold(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def parse_query(query: str, today: date | None = None) -> ParsedQuery:
    """Split a query into name words, a birth date and a phone number (or its start)."""
    today = today or timezone.localdate()
    text = query[:QUERY_MAX_LENGTH]
    birth_date = None
    for pattern, order in ((_ISO_DATE, "ymd"), (_FRENCH_DATE, "dmy")):
        match = pattern.search(text)
        if match:
            birth_date = _date_from(match.groups(), order, today)
            text = text[: match.start()] + " " + text[match.end() :]
            break
    phone = phone_prefix = phone_digits = ""
    for match in _PHONE.finditer(text):
        raw = match.group()
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 4:
            continue
        full = _whole_number(raw) if len(digits) >= 9 else ""
        if full:
            phone = full
        elif raw.startswith("+"):
            phone_prefix = "+" + digits
        elif digits.startswith("0"):
            phone_prefix = "+33" + digits[1:]
        else:
            phone_digits = digits
        text = text.replace(raw, " ", 1)
        break
    words = tuple(_WORD.findall(fold(text)))[:MAX_WORDS]
    return ParsedQuery(words, birth_date, phone, phone_prefix, phone_digits)


def _date_from(groups: tuple[str, ...], order: str, today: date) -> date | None:
    if order == "ymd":
        year, month, day = (int(part) for part in groups)
    else:
        day, month, year = (int(part) for part in groups)
        if len(groups[2]) == 2:
            # A birth date is never in the future: 80 is 1980, 05 is 2005.
            year += 2000 if 2000 + year <= today.year else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _whole_number(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def word_score(typed: str, name_word: str) -> float:
    """How well one typed word matches one word of a name: exact 1, a prefix almost, else trigrams."""
    if typed == name_word:
        return 1.0
    if name_word.startswith(typed) and (len(typed) >= 2 or len(name_word) <= 2):
        return 0.75 + 0.2 * len(typed) / len(name_word)
    if len(typed) < 3:
        return 0.0
    score = similarity(typed, name_word)
    if len(typed) >= 4 and abs(len(typed) - len(name_word)) <= 2:
        # One or two slips of the finger (a swap counts as one): below a prefix, above most trigrams.
        slips = edit_distance(typed, name_word)
        if slips <= 2:
            score = max(score, 0.85 * (1 - slips / max(len(typed), len(name_word))))
    return score


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance where swapping two neighbouring letters is one edit (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, letter_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, letter_b in enumerate(b, 1):
            cost = letter_a != letter_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and letter_a == b[j - 2] and a[i - 2] == letter_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def name_score(words: tuple[str, ...], patient: Patient) -> float:
    """The mean of each typed word's best match among the patient's names; 0 if a word matches nothing."""
    if not words:
        return 1.0
    name_words = _WORD.findall(fold(f"{patient.first_name} {patient.last_name}"))
    total = 0.0
    for typed in words:
        best = max((word_score(typed, name_word) for name_word in name_words), default=0.0)
        if best < WORD_THRESHOLD:
            return 0.0
        total += best
    return total / len(words)


def search_patients(query: str, *, limit: int = 20) -> list[PatientMatch]:
    """The patients best matching `query`, best first; an empty list for an empty query."""
    parsed = parse_query(query)
    if not parsed:
        return []
    scored = []
    for patient in _candidates(parsed):
        score = name_score(parsed.words, patient)
        if score > 0:
            scored.append((score, patient))
    scored.sort(key=lambda item: (-item[0], fold(item[1].last_name), fold(item[1].first_name), item[1].pk))
    best = scored[:limit]
    duplicates = _with_possible_duplicates([patient for _score, patient in best])
    return [PatientMatch(patient, round(score, 3), patient.pk in duplicates) for score, patient in best]


def _candidates(parsed: ParsedQuery) -> QuerySet[Patient]:
    patients = Patient.objects.filter(erased_at__isnull=True)
    if parsed.birth_date:
        patients = patients.filter(birth_date=parsed.birth_date)
    if parsed.phone:
        patients = patients.filter(phone=parsed.phone)
    elif parsed.phone_prefix:
        patients = patients.filter(phone__startswith=parsed.phone_prefix)
    elif parsed.phone_digits:
        patients = patients.filter(phone__contains=parsed.phone_digits)
    if not parsed.words:
        return patients.order_by("last_name", "first_name", "pk")[:POSTGRES_CANDIDATES]
    if connection.vendor != "postgresql":
        # The demo's small SQLite database: score the most recently seen patients in Python.
        return patients.order_by("-updated_at")[:SQLITE_CANDIDATES]
    matches = Q()
    ranking = []
    for word in parsed.words:
        matches |= _postgres_word_filter(word)
        ranking.append(Greatest(TrigramSimilarity("last_name", word), TrigramSimilarity("first_name", word)))
    rank = sum(ranking[1:], ranking[0])
    return patients.filter(matches).annotate(rank=rank).order_by("-rank", "pk")[:POSTGRES_CANDIDATES]


def _postgres_word_filter(word: str) -> Q:
    """Similar by trigrams (typos), the same letters give or take accents, or the same first letters.

    The first letters catch swapped letters ("Durnad"), which trigrams miss; the
    candidates are then ranked by similarity and scored in Python.
    """
    accented = _accent_pattern(word)
    starts = rf"(^|[^[:alpha:]]){_letters(word[:2])}"
    match = Q(last_name__iregex=accented) | Q(first_name__iregex=accented)
    if len(word) >= 3:
        match |= (
            Q(last_name__trigram_similar=word)
            | Q(first_name__trigram_similar=word)
            | Q(last_name__trigram_word_similar=word)
            | Q(first_name__trigram_word_similar=word)
            | Q(last_name__iregex=starts)
            | Q(first_name__iregex=starts)
        )
    return match


def _accent_pattern(word: str) -> str:
    """A regular expression matching `word` with or without accents, in either case.

    `word` holds letters only (parse_query keeps nothing else), so nothing needs escaping.
    """
    if len(word) < 3:
        return rf"(^|[^[:alpha:]]){_letters(word)}"
    return _letters(word)


def _letters(word: str) -> str:
    classes = (_ACCENTED.get(letter, letter) for letter in word)
    return "".join(f"[{letters}{letters.upper()}]" for letters in classes)


def similar_names(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """Whether two identities could be one person's, first and last names swapped included."""

    def alike(a: str, b: str) -> bool:
        return fold(a) == fold(b) or similarity(a, b) >= DUPLICATE_THRESHOLD

    return (alike(first_a, first_b) and alike(last_a, last_b)) or (alike(first_a, last_b) and alike(last_a, first_b))


def likely_duplicates(
    first_name: str, last_name: str, birth_date: date | None, phone: str, *, exclude_id: int | None = None
) -> list[Patient]:
    """Patients who may be this person: the same birth date or phone, and similar names."""
    same = Q()
    if birth_date:
        same |= Q(birth_date=birth_date)
    if phone:
        same |= Q(phone=phone)
    if not same:
        return []
    candidates = Patient.objects.filter(same, erased_at__isnull=True).exclude(pk=exclude_id).order_by("pk")
    return [
        patient
        for patient in candidates[:POSTGRES_CANDIDATES]
        if similar_names(first_name, last_name, patient.first_name, patient.last_name)
    ]


def _with_possible_duplicates(patients: list[Patient]) -> set[int]:
    """The ids among `patients` that look like another patient (one query for them all)."""
    if not patients:
        return set()
    others = list(
        Patient.objects.filter(
            Q(birth_date__in={p.birth_date for p in patients}) | Q(phone__in={p.phone for p in patients}),
            erased_at__isnull=True,
        )
    )
    flagged = set()
    for patient in patients:
        for other in others:
            if other.pk == patient.pk:
                continue
            if (other.birth_date == patient.birth_date or other.phone == patient.phone) and similar_names(
                patient.first_name, patient.last_name, other.first_name, other.last_name
            ):
                flagged.add(patient.pk)
                break
    return flagged
