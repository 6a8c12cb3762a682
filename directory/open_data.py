"""Bootstrap the directory from the Annuaire Santé open extract, so every practitioner can be found ("call to book").

The format relied on (sources at the end):

* The "Extraction en libre accès" of the Annuaire Santé (annuaire.sante.fr, Extractions publiques; mirrored on
  data.gouv.fr) is a zip of text files; the one read here, ``PS_LibreAcces_Personne_activite_<timestamp>.txt``, is
  UTF-8, '|'-separated, unquoted, with one header line; every line ends with a '|' (a last, empty column); one row
  per activity (and know-how) of a person. Headers are matched exactly; COLUMNS lists the spellings seen.
* "Identification nationale PP" is "Type d'identifiant PP" then "Identifiant PP": type 8 / 10001045367 /
  810001045367 (RPPS), type 0 / 012600631 / 0012600631 (ADELI). So the RPPS number is the 11-digit identifier of
  a type 8 row (the national one without its leading 8). Other rows (ADELI, decommissioned since the last
  professions moved to the RPPS in 2024) have no RPPS, which keys a profile: they are skipped.
* Codes: professions TRE_G15-ProfessionSante (10 Médecin, 21 Pharmacien, 26 Audioprothésiste, 28 Opticien-Lunetier,
  40 Chirurgien-Dentiste, 50 Sage-Femme, 60 Infirmier, 69 Infirmier psychiatrique, 70 Masseur-Kinésithérapeute,
  80 Pédicure-Podologue, 91 Orthophoniste, 92 Orthoptiste, 95 Diététicien; 93 Psychologue is TRE_R95-UsagerTitre,
  same column); know-how TRE_R38-SpecialiteOrdinale (SM01-SM95 physicians, SCD01-03 dentists); civilité
  d'exercice TRE_R11-CiviliteExercice (DR, MC, MG, PC, PG, PR: Docteur, Médecin/Pharmacien chef or général, Professeur).

The rules:

* Vocabulary: the last column of directory/specialties.py maps a profession code ("40") or a profession's
  know-how code ("10:SM04"); a know-how mapping wins over its profession's. Rows mapping to nothing are skipped.
* One profile per RPPS: the first row in file order with a French address and a mapped specialty; the person's
  later rows are skipped as "another_activity".
* Only profiles whose source is "import" are written: one the practitioner (or a clinic instance) manages is never
  overwritten, not even to fill a blank. Re-running updates changed imported profiles and never duplicates. Status
  and booking are set on creation only (published, no booking URL: "call to book"): moderation survives re-imports.
* Memory: rows are streamed and written in batches; only the set of RPPS numbers already chosen grows (ints, about
  70 MB nationally). One writer at a time (each batch is one transaction).

Sources: header fixtures of open-source parsers of the file (a 2021 extract, 52 columns; a later one spelling
"Libellé civilité exercice", "Indice répétition voie (coord. Structure)"); rdrr.io, medtRucks,
ExtractionMonoTable_CAT18_ToutePopulation (column list); ANS, Terminologies de Santé IG 1.12.0
(https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante, TRE_R38-SpecialiteOrdinale, TRE_R11-CiviliteExercice,
JDV_J106-EnsembleProfession-RASS, JDV_J107-EnsembleSavoirFaire-RASS); esante.gouv.fr Annuaire Santé FAQ (code
commune is the INSEE COG code); DREES, "La démographie des professionnels de santé" (ADELI to RPPS, 2024).
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import phonenumbers
from django.db import transaction
from django.utils import timezone

from .gazetteer import Commune, all_communes
from .models import Profile, Specialty, search_text_of
from .specialties import ENGLISH, SPECIALTIES

COLUMNS: dict[str, tuple[str, ...]] = {  # our name: the header names accepted for it, exactly
    "id_type": ("Type d'identifiant PP",),
    "id_pp": ("Identifiant PP",),
    "id_national": ("Identification nationale PP",),
    "title_code": ("Code civilité d'exercice", "Code civilité exercice"),
    "title_label": ("Libellé civilité d'exercice", "Libellé civilité exercice"),
    "last_name": ("Nom d'exercice",),
    "first_name": ("Prénom d'exercice",),
    "profession": ("Code profession",),
    "know_how": ("Code savoir-faire",),
    "company": ("Raison sociale site",),
    "brand": ("Enseigne commerciale site",),
    "place": ("Complément point géographique (coord. structure)",),
    "number": ("Numéro Voie (coord. structure)",),
    "repetition": ("Indice répétition voie (coord. structure)", "Indice répétition voie (coord. Structure)"),
    "street_type": ("Libellé type de voie (coord. structure)",),
    "street": ("Libellé Voie (coord. structure)",),
    "distribution": ("Mention distribution (coord. structure)",),
    "cedex": ("Bureau cedex (coord. structure)",),
    "postcode": ("Code postal (coord. structure)",),
    "insee": ("Code commune (coord. structure)",),
    "city": ("Libellé commune (coord. structure)",),
    "country": ("Code pays (coord. structure)",),
    "phone": ("Téléphone (coord. structure)",),
    "phone2": ("Téléphone 2 (coord. structure)",),
}
REQUIRED = ("id_type", "id_pp", "id_national", "last_name", "first_name", "profession")
TITLES = {"DR": "Dr", "MC": "Dr", "MG": "Dr", "PC": "Dr", "PG": "Dr", "PR": "Pr"}  # TRE_R11
TITLE_LABELS = {"docteur": "Dr", "professeur": "Pr"}
FRANCE = ("", "99100")  # "Code pays": blank for French addresses; 99100 is France in the INSEE country code
OVERSEAS_PHONE_REGIONS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "975": "PM", "976": "YT", "977": "BL"}
ARRONDISSEMENTS = (("75101", "75120", "75056"), ("69381", "69389", "69123"), ("13201", "13216", "13055"))
COMPARED = (  # what the import owns on an imported profile (attnames)
    "title", "first_name", "last_name", "specialty_id", "practice_name", "address", "postcode", "city", "insee",
    "latitude", "longitude", "phone", "search_text",
)  # fmt: skip
UPDATE_FIELDS = [name.removesuffix("_id") for name in COMPARED] + ["updated_at"]
LOOKUP_CHUNK = 900  # under SQLite's oldest limit of bound parameters

_RPPS = re.compile(r"\d{11}")
_POSTCODE = re.compile(r"\d{5}")
_INSEE = re.compile(r"\d{5}|2[AB]\d{3}")
_SEPARATORS = re.compile(r"([\s'’-]+)")
_PARTICLES = {"de", "du", "des", "d", "la", "le", "les", "l", "et", "en", "sur", "sous", "aux", "au", "lès", "lez"}


class ExtractFormatError(ValueError):
    """The file is not an Annuaire Santé Personne_activite extract (the message names no personal data)."""


@dataclass
class ImportReport:
    rows: int = 0  # data rows read
    created: int = 0  # profiles
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)  # rows, by reason

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


# --- reading ------------------------------------------------------------------------------------------------------


@contextmanager
def open_extract(path: str | Path) -> Iterator[tuple[BinaryIO, int]]:
    """The extract's bytes and their size; a downloaded zip is read from its Personne_activite member."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if Path(m.filename).name.startswith("PS_LibreAcces_Personne")]
            if not members:
                raise ExtractFormatError("the zip holds no PS_LibreAcces_Personne_activite file")
            with archive.open(members[0]) as stream:
                yield stream, members[0].file_size
    else:
        with path.open("rb") as stream:
            yield stream, path.stat().st_size


class ExtractReader:
    """Rows of the extract as dicts of COLUMNS names; tolerant of missing or extra trailing columns."""

    def __init__(self, stream: BinaryIO) -> None:
        self.bytes_read = 0
        self.line = 0
        self._stream = stream
        self._rows = csv.reader(self._lines(), delimiter="|", quoting=csv.QUOTE_NONE)
        header = next(self._rows, None)
        if not header:
            raise ExtractFormatError("the file is empty: no header line")
        self.index = _column_index([name.strip() for name in header])

    def _lines(self) -> Iterator[str]:
        for raw in self._stream:
            self.bytes_read += len(raw)
            self.line += 1
            try:
                yield raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
            except UnicodeDecodeError:
                raise ExtractFormatError(f"line {self.line} is not UTF-8") from None

    def __iter__(self) -> Iterator[dict[str, str]]:
        """Every COLUMNS name, blank where the file (or the line) lacks it."""
        for fields in self._rows:
            if any(value.strip() for value in fields):
                row = dict.fromkeys(COLUMNS, "")
                row.update((key, fields[i].strip()) for key, i in self.index.items() if i < len(fields))
                yield row


def _column_index(header: list[str]) -> dict[str, int]:
    position = {name: i for i, name in reversed(list(enumerate(header)))}  # the first of duplicate names
    index = {}
    for key, names in COLUMNS.items():
        found = next((position[name] for name in names if name in position), None)
        if found is not None:
            index[key] = found
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in index]
    if missing:
        raise ExtractFormatError(
            "not a PS_LibreAcces_Personne_activite extract: the header lacks " + ", ".join(f'"{n}"' for n in missing)
        )
    return index


# --- mapping ------------------------------------------------------------------------------------------------------


@dataclass
class Vocabulary:
    codes: dict[tuple[str, str], Specialty]  # (profession, know-how or "") → specialty

    def specialty(self, profession: str, know_how: str) -> Specialty | None:
        return self.codes.get((profession, know_how)) or self.codes.get((profession, ""))

    def knows_profession(self, profession: str) -> bool:
        return any(code[0] == profession for code in self.codes)


def load_vocabulary(*, create_missing: bool = True) -> Vocabulary:
    """The mapping of directory/specialties.py, with its Specialty rows (created from the vocabulary if missing)."""
    existing = {s.code: s for s in Specialty.objects.filter(code__in=[row[0] for row in SPECIALTIES])}
    codes: dict[tuple[str, str], Specialty] = {}
    for code, label, profession, synonyms, annuaire in filter(lambda row: row[4], SPECIALTIES):
        label_en, synonyms_en = ENGLISH.get(code, ("", ""))
        fields = {
            "code": code,
            "label": label,
            "label_en": label_en,
            "profession": profession,
            "synonyms": synonyms,
            "synonyms_en": synonyms_en,
            "annuaire_codes": annuaire,
        }
        specialty = existing.get(code) or (Specialty.objects.create if create_missing else Specialty)(**fields)
        for item in annuaire.split():
            key = (item.partition(":")[0], item.partition(":")[2])
            if key in codes:
                raise ValueError(f"Annuaire Santé code {item} is mapped twice in directory/specialties.py")
            codes[key] = specialty
    return Vocabulary(codes)


class Places:
    """Coordinates from the gazetteer: by INSEE code (arrondissements by their city), else by postcode."""

    def __init__(self) -> None:
        communes = sorted(all_communes(), key=lambda c: c.population)
        self.by_insee = {c.insee: c for c in communes}
        self.by_postcode = {postcode: c for c in communes for postcode in c.postcodes}  # the most populous

    def by_code(self, insee: str) -> Commune | None:
        for first, last, city in ARRONDISSEMENTS:
            if first <= insee <= last and len(insee) == 5:
                insee = city
        return self.by_insee.get(insee)


def capitalise(text: str, *, particles: bool = False) -> str:
    """'MARIE-CLAIRE' → 'Marie-Claire', 'D'ARTAGNAN' → 'D'Artagnan'; text not all in capitals is kept as written.

    With particles, small words other than the first stay lower case: 'LA ROCHE-SUR-YON' → 'La Roche-sur-Yon'.
    """
    if not text.isupper():
        return text
    parts = _SEPARATORS.split(text.lower())
    words = [i for i, part in enumerate(parts) if part and not _SEPARATORS.fullmatch(part)]
    for i in words:
        if not (particles and i != words[0] and parts[i] in _PARTICLES):
            parts[i] = parts[i][:1].upper() + parts[i][1:]
    return "".join(parts)


def rpps_of(row: dict[str, str]) -> str:
    """The 11-digit RPPS number of a type 8 row, else ''."""
    if row["id_type"] != "8":
        return ""
    national = row["id_national"]
    for candidate in (row["id_pp"], national[1:] if national.startswith("8") else "", national):
        if _RPPS.fullmatch(candidate):
            return candidate
    return ""


def e164(raw: str, postcode: str) -> str:
    """A phone number in E.164, or '' when it is not a valid one (overseas numbers read in their own region)."""
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, OVERSEAS_PHONE_REGIONS.get(postcode[:3], "FR"))
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def profile_from_row(row: dict[str, str], rpps: str, vocabulary: Vocabulary, places: Places) -> Profile | str:
    """An unsaved imported profile, or the reason the row is skipped."""
    if row["country"] not in FRANCE:
        return "outside_france"
    specialty = vocabulary.specialty(row["profession"], row["know_how"])
    if specialty is None:
        known = vocabulary.knows_profession(row["profession"])
        return "specialty_not_in_vocabulary" if known else "profession_not_in_vocabulary"
    if not row["last_name"]:
        return "no_name"
    cedex, postcode, insee = row["cedex"], row["postcode"], row["insee"].upper()
    if not _POSTCODE.fullmatch(postcode):
        postcode = cedex[:5] if _POSTCODE.fullmatch(cedex[:5]) else ""
    insee = insee if _INSEE.fullmatch(insee) else ""
    commune = places.by_code(insee) if insee else None
    city = commune.name if commune else capitalise(row["city"], particles=True)
    if not city and cedex[:5] == postcode:
        city = capitalise(re.sub(r"\s+CEDEX.*$", "", cedex[5:].strip(), flags=re.I), particles=True)
    commune = commune or places.by_postcode.get(postcode)
    street = " ".join(filter(None, (row["number"], row["repetition"], row["street_type"], row["street"])))
    address = ", ".join(filter(None, (row["place"], street, row["distribution"])))
    if all(row[k].upper() == row[k] for k in ("place", "street", "distribution")):  # the source's capitals
        address = capitalise(address.upper(), particles=True)
    profile = Profile(
        title=TITLES.get(row["title_code"].upper()) or TITLE_LABELS.get(row["title_label"].lower(), ""),
        first_name=capitalise(row["first_name"])[:100],
        last_name=capitalise(row["last_name"])[:100],
        rpps=rpps,
        specialty=specialty,
        practice_name=capitalise(row["brand"] or row["company"], particles=True)[:200],
        address=address[:300],
        postcode=postcode,
        city=(city or (commune.name if commune else ""))[:100],
        insee=insee,
        latitude=commune.latitude if commune else None,
        longitude=commune.longitude if commune else None,
        phone=e164(row["phone"], postcode) or e164(row["phone2"], postcode),
        status=Profile.Status.PUBLISHED,
        source=Profile.Source.IMPORT,
        booking_url="",  # no online booking: "call to book"
    )
    profile.search_text = search_text_of(profile)
    return profile


# --- writing ------------------------------------------------------------------------------------------------------


def import_extract(
    stream: BinaryIO,
    *,
    batch_size: int = 5000,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a Personne_activite extract; on_progress(rows read, bytes read) is called now and then."""
    reader = ExtractReader(stream)
    vocabulary = load_vocabulary(create_missing=not dry_run)
    places = Places()
    report = ImportReport()
    chosen: set[int] = set()
    batch: dict[str, Profile] = {}
    for row in reader:
        report.rows += 1
        if on_progress and report.rows % 20_000 == 0:
            on_progress(report.rows, reader.bytes_read)
        rpps = rpps_of(row)
        if not rpps:
            report.skipped["no_rpps"] += 1
            continue
        if int(rpps) in chosen:
            report.skipped["another_activity"] += 1
            continue
        profile = profile_from_row(row, rpps, vocabulary, places)
        if isinstance(profile, str):
            report.skipped[profile] += 1
            continue
        chosen.add(int(rpps))
        batch[rpps] = profile
        if len(batch) >= batch_size:
            write_batch(batch, report, dry_run=dry_run)
            batch = {}
            if on_progress:
                on_progress(report.rows, reader.bytes_read)
    if batch:
        write_batch(batch, report, dry_run=dry_run)
    if on_progress:
        on_progress(report.rows, reader.bytes_read)
    return report


def write_batch(batch: dict[str, Profile], report: ImportReport, *, dry_run: bool = False) -> None:
    """Create new RPPS numbers, update changed imported profiles, leave the others alone.

    The unique constraint on rpps is partial (rpps != ''), which PostgreSQL's ON CONFLICT cannot target:
    existing ids are looked up by RPPS, then bulk_create + bulk_update, in one transaction.
    """
    with transaction.atomic():
        existing: dict[str, dict] = {}
        numbers = list(batch)
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start : start + LOOKUP_CHUNK]
            for values in Profile.objects.filter(rpps__in=chunk).values("pk", "rpps", "source", *COMPARED):
                existing[values["rpps"]] = values
        creates, updates = [], []
        now = timezone.now()
        for rpps, profile in batch.items():
            current = existing.get(rpps)
            if current is None:
                creates.append(profile)
            elif current["source"] != Profile.Source.IMPORT:
                report.skipped["profile_not_from_import"] += 1
            elif all(current[name] == getattr(profile, name) for name in COMPARED):
                report.unchanged += 1
            else:
                profile.pk, profile.updated_at = current["pk"], now
                updates.append(profile)
        if not dry_run:
            Profile.objects.bulk_create(creates, batch_size=1000)
            Profile.objects.bulk_update(updates, UPDATE_FIELDS, batch_size=500)
    report.created += len(creates)
    report.updated += len(updates)
