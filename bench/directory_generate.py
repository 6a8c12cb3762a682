"""Generate N synthetic practitioner profiles and bulk-load them: the directory's cold import, timed.

    .venv/bin/python bench/directory_generate.py [--profiles 1000000] [--seed 20261129] [--reuse]
                                                 [--maintenance-work-mem 1GB]

Drops and recreates the database `openrdv_directory_bench` (as `openrdv`), migrates it with the
directory role, then loads the profiles the way a national import would: secondary indexes and
foreign keys dropped, rows streamed with COPY (psycopg `cursor.copy()`), indexes and foreign keys
rebuilt from their own definitions, then VACUUM ANALYZE. Target: the whole load (generation,
COPY, indexes, VACUUM ANALYZE) in <= 15 minutes for 1,000,000 profiles. Exits 1 if it is missed.

`--reuse` keeps the database when the generator already filled it with the same count, seed and
generator version (written as the database's comment), and only applies new migrations.

The data: the specialty mix approximates the French one (DREES/RPPS orders of magnitude, 2023:
nurses, GPs, physiotherapists, pharmacists, psychologists, dentists, then specialists); communes
come from the directory's own gazetteer, drawn by population (specialists lean towards towns);
positions are jittered around the commune's centre by up to a few km depending on its size;
names are common French first and last names plus a long tail; languages are mostly French,
sometimes with English, Spanish, German, Arabic, Italian, Portuguese...
"""

import argparse
import bisect
import math
import random
import sys
import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime

from _directory import CONNINFO, DB_NAME, database_exists, migrate, psql, read_marker, setup_django, write_marker
from _directory_names import (
    COMPOUND_SURNAMES,
    FEMALE_FIRST_NAMES,
    MALE_FIRST_NAMES,
    PRACTICES,
    SAINTS,
    STREETS,
    SURNAME_ENDINGS,
    SURNAME_ROOTS,
    SURNAMES,
    words,
)

GENERATOR_VERSION = 2  # 2: the federation columns (instance_ref, federation_version, availability_url)
DEFAULT_PROFILES = 1_000_000
DEFAULT_SEED = 20261129
TARGET_IMPORT_SECONDS = 15 * 60
CHUNK = 20_000  # rows per COPY write
INSTANCES = 20

# Profiles per million, roughly the French numbers of practising professionals (DREES, RPPS/ADELI 2023),
# hospital nurses under-represented. Specialty codes of directory/specialties.py; an unknown code gets 1,000.
SUPPLY = {
    "infirmier": 250_000, "medecine-generale": 100_000, "masso-kinesitherapie": 95_000, "pharmacie": 74_000,
    "psychologie": 70_000, "chirurgie-dentaire": 42_000, "opticien": 38_000, "orthophonie": 26_000,
    "sage-femme": 24_000, "pedicurie-podologie": 14_500, "dietetique": 12_000, "orthoptie": 6_000,
    "audioprothese": 4_500, "orthodontie": 2_500, "psychiatrie": 15_500, "anesthesie": 12_000,
    "radiologie": 9_000, "pediatrie": 9_000, "cardiologie": 8_000, "gynecologie": 8_000, "ophtalmologie": 6_000,
    "gastro-enterologie": 4_000, "chirurgie-orthopedique": 4_000, "dermatologie": 3_500, "pneumologie": 3_500,
    "chirurgie-viscerale": 3_000, "neurologie": 3_000, "orl": 3_000, "rhumatologie": 2_600,
    "endocrinologie": 2_500, "geriatrie": 2_500, "nephrologie": 2_000, "medecine-physique": 2_000,
    "urologie": 1_500, "angiologie": 1_500, "allergologie": 1_000,
}  # fmt: skip
FEMALE_SHARE = {
    "infirmier": 0.87, "medecine-generale": 0.52, "masso-kinesitherapie": 0.5, "pharmacie": 0.68,
    "psychologie": 0.86, "chirurgie-dentaire": 0.48, "orthophonie": 0.97, "sage-femme": 0.97,
    "pedicurie-podologie": 0.7, "dietetique": 0.93, "orthoptie": 0.9, "pediatrie": 0.75, "gynecologie": 0.7,
    "dermatologie": 0.7, "chirurgie-orthopedique": 0.08, "urologie": 0.1, "cardiologie": 0.25,
    "chirurgie-viscerale": 0.25, "radiologie": 0.35,
}  # fmt: skip
# Where they practise: commune weight = population ** exponent (towns get more than their share).
TOWN_EXPONENT = {"Médecin": 1.25, "Opticien-lunetier": 1.1, "Audioprothésiste": 1.15, "Psychologue": 1.1}
OTHER_LANGUAGES = [("en", 0.22), ("es", 0.06), ("ar", 0.05), ("de", 0.04), ("it", 0.04), ("pt", 0.03)]
RARE_LANGUAGES = ["nl", "ro", "ru", "zh", "tr", "pl", "vi", "he", "el", "wo"]
NO_RPPS = {"Psychologue", "Diététicien", "Opticien-lunetier", "Audioprothésiste"}  # ADELI professions
REGION_DIGIT = {
    **dict.fromkeys(words("75 77 78 91 92 93 94 95"), "1"),
    **dict.fromkeys(words("14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85"), "2"),
    **dict.fromkeys(words("02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90"), "3"),
    **dict.fromkeys(words("01 03 04 05 06 07 13 15 2A 2B 26 30 34 38 42 43 48 63 66 69 73 74 83 84"), "4"),
}
COLUMNS = (
    "id", "title", "first_name", "last_name", "rpps", "specialty_id", "practice_name", "address", "postcode",
    "city", "insee", "latitude", "longitude", "phone", "languages", "sector", "accepts_new_patients",
    "teleconsultation", "wheelchair_accessible", "instance_id", "booking_url", "status", "source", "updated_at",
    "search_text", "instance_ref", "federation_version", "availability_url",
)  # fmt: skip


@dataclass(frozen=True)
class SpecialtyRow:
    id: int
    code: str
    label: str
    profession: str
    synonyms: str
    folded: str  # fold(label profession synonyms), as search_text_of writes it
    label_en: str = ""
    synonyms_en: str = ""
    folded_en: str = ""  # fold(label_en synonyms_en), which search_text_of writes last

    @property
    def physician(self) -> bool:
        return self.profession == "Médecin"


def load_specialties() -> list[SpecialtyRow]:
    from directory.models import Specialty
    from directory.text import fold

    return [
        SpecialtyRow(
            s.id, s.code, s.label, s.profession, s.synonyms, fold(f"{s.label} {s.profession} {s.synonyms}"),
            s.label_en, s.synonyms_en, fold(f"{s.label_en} {s.synonyms_en}"),
        )
        for s in Specialty.objects.order_by("id")
    ]  # fmt: skip


def _zipf_cumulative(count: int, offset: float, exponent: float) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(count):
        total += 1.0 / (rank + offset) ** exponent
        cumulative.append(total)
    return cumulative


class Generator:
    """Deterministic profile rows: the same seed always gives the same data set."""

    def __init__(self, seed: int, specialties: list[SpecialtyRow], instance_ids: list[int]):
        from directory.gazetteer import all_communes
        from directory.text import fold

        self.fold = fold
        self.rng = random.Random(seed)
        self.specialties = specialties
        unknown = [s.code for s in specialties if s.code not in SUPPLY]
        if unknown:
            print(f"Note: specialties without a supply figure, 1,000 per million each: {', '.join(unknown)}")
        self.specialty_cumulative = _cumulative([SUPPLY.get(s.code, 1_000) for s in specialties])
        self.communes = [c for c in all_communes() if c.population > 0]
        self.town_cumulative = {
            exponent: _cumulative([c.population**exponent for c in self.communes])
            for exponent in {1.0, *TOWN_EXPONENT.values()}
        }
        self.commune_folded = [fold(c.name) for c in self.communes]
        self.commune_region = [REGION_DIGIT.get(c.department, "5") for c in self.communes]
        self.commune_sigma = [min(4.0, 0.4 + 0.25 * math.sqrt(c.population / 1000)) for c in self.communes]
        self.instance_ids = instance_ids
        self.surnames = [*SURNAMES[:40], *COMPOUND_SURNAMES, *SURNAMES[40:]]
        self.surname_cumulative = _zipf_cumulative(len(self.surnames), 10.0, 0.4)
        self.female = FEMALE_FIRST_NAMES
        self.male = MALE_FIRST_NAMES
        self.female_cumulative = _zipf_cumulative(len(self.female), 6.0, 0.9)
        self.male_cumulative = _zipf_cumulative(len(self.male), 6.0, 0.9)
        self._folded: dict[str, str] = {}
        self.now = datetime.now(UTC).isoformat()

    def folded(self, text: str) -> str:
        value = self._folded.get(text)
        if value is None:
            value = self._folded[text] = self.fold(text)
        return value

    def surname(self) -> str:
        rng = self.rng
        draw = rng.random()
        if draw < 0.62:  # a common name, Zipf-weighted: Martin is ~0.5% of practitioners
            return rng.choices(self.surnames, cum_weights=self.surname_cumulative)[0]
        if draw < 0.97:  # the long tail: a root and an ending, ~1,200 names of similar frequency
            root, ending = rng.choice(SURNAME_ROOTS), rng.choice(SURNAME_ENDINGS)
            return root + (ending if not (root[-1] in "aeiouy" and ending[0] in "aeiouyè") else "n" + ending)
        first, second = rng.choice(self.surnames), rng.choice(self.surnames)  # a double name
        return f"{first}-{second}" if first != second else first

    def practice(self, specialty: SpecialtyRow, last: str, city: str, street: str) -> str:
        rng = self.rng
        share = {"Pharmacien": 1.0, "Médecin": 0.55, "Chirurgien-dentiste": 0.6, "Opticien-lunetier": 0.9}
        if rng.random() >= share.get(specialty.profession, 0.3):
            return ""
        template = rng.choice(PRACTICES.get(specialty.profession, PRACTICES["*"]))
        return template.format(last=last, city=city, street=street.split(" ", 1)[1], saint=rng.choice(SAINTS))

    def rows(self, first_id: int, count: int) -> list[tuple]:
        """Profiles first_id .. first_id + count - 1, as tuples in COLUMNS order."""
        rng = self.rng
        random_ = rng.random
        gauss = rng.gauss
        specialty_draws = rng.choices(self.specialties, cum_weights=self.specialty_cumulative, k=count)
        rows = []
        for profile_id, specialty in zip(range(first_id, first_id + count), specialty_draws, strict=True):
            code = specialty.code
            towns = self.town_cumulative[TOWN_EXPONENT.get(specialty.profession, 1.0)]
            index = min(bisect.bisect_right(towns, random_() * towns[-1]), len(towns) - 1)
            commune = self.communes[index]
            if random_() < FEMALE_SHARE.get(code, 0.5):
                first = rng.choices(self.female, cum_weights=self.female_cumulative)[0]
            else:
                first = rng.choices(self.male, cum_weights=self.male_cumulative)[0]
            last = self.surname()
            street = rng.choice(STREETS)
            number = rng.randint(1, 150)
            address = f"{number}{' bis' if random_() < 0.05 else ''} {street}"
            practice = self.practice(specialty, last, commune.name, street)
            sigma = self.commune_sigma[index]
            latitude = commune.latitude + gauss(0, sigma) / 111.2
            longitude = commune.longitude + gauss(0, sigma) / (111.2 * math.cos(math.radians(commune.latitude)))
            digit = "6" if specialty.profession == "Infirmier" and random_() < 0.4 else self.commune_region[index]
            phone = f"+33{digit}{rng.randrange(10**8):08d}"
            languages = ["fr"] if random_() > 0.004 else []
            for language, share in OTHER_LANGUAGES:
                if random_() < share:
                    languages.append(language)
            if random_() < 0.02:
                languages.append(rng.choice(RARE_LANGUAGES))
            if not languages:
                languages = ["en"]
            if specialty.physician:
                title = "Dr"
                draw = random_()
                if code == "medecine-generale":
                    sector = "1" if draw < 0.93 else "2" if draw < 0.99 else "3"
                else:
                    sector = "1" if draw < 0.5 else "2" if draw < 0.98 else "3"
                teleconsultation = random_() < (0.35 if code in ("medecine-generale", "psychiatrie") else 0.2)
                new_patients = random_() < (0.55 if code == "medecine-generale" else 0.7)
            else:
                title = "Dr" if specialty.profession == "Chirurgien-dentiste" else ""
                if specialty.profession in NO_RPPS:
                    sector = "3" if random_() < 0.2 else ""
                elif specialty.profession == "Pharmacien":
                    sector = ""
                else:
                    sector = "1" if random_() < 0.9 else ""
                teleconsultation = random_() < (0.5 if code == "psychologie" else 0.03)
                new_patients = random_() < 0.8
            rpps = "" if specialty.profession in NO_RPPS or random_() < 0.01 else f"1{profile_id:010d}"
            instance_id, booking_url, source = None, "", "import"
            draw = random_()
            if draw < 0.03:
                instance_id = self.instance_ids[profile_id % len(self.instance_ids)]
                booking_url = f"https://rdv{instance_id}.example.org/book/{profile_id}/"
                source = "instance"
            elif draw < 0.05:
                source = "practitioner"
            draw = random_()
            status = "published" if draw < 0.975 else "pending" if draw < 0.99 else "hidden"
            search_text = " ".join(
                part
                for part in (
                    self.folded(first),
                    self.folded(last),
                    specialty.folded,
                    self.folded(practice) if practice else "",
                    self.commune_folded[index],
                    specialty.folded_en,
                )
                if part
            )
            rows.append(
                (
                    profile_id, title, first, last, rpps, specialty.id, practice, address,
                    rng.choice(commune.postcodes) if commune.postcodes else "", commune.name, commune.insee,
                    round(latitude, 6), round(longitude, 6), phone, languages, sector, new_patients,
                    teleconsultation, random_() < 0.45, instance_id, booking_url, status, source, self.now,
                    search_text,
                    # As federation publishes them: the instance's own id and a first version; no live slots.
                    str(profile_id) if instance_id else "", 1 if instance_id else 0, "",
                )
            )  # fmt: skip
        return rows


def _cumulative(weights) -> list[float]:
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def copy_line(row: tuple) -> str:
    """One row in COPY text format (our strings hold no tab, newline or backslash: checked in `check_rows`)."""
    out = []
    for value in row:
        if value is None:
            out.append("\\N")
        elif value is True:
            out.append("t")
        elif value is False:
            out.append("f")
        elif isinstance(value, list):
            out.append("[" + ", ".join(f'"{item}"' for item in value) + "]")
        else:
            out.append(str(value))
    return "\t".join(out) + "\n"


def check_rows(rows: list[tuple], specialties: list[SpecialtyRow]) -> None:
    """The generated search_text is exactly what Profile.save() would write, and COPY needs no escaping."""
    from directory.models import Profile, Specialty, search_text_of

    by_id = {s.id: Specialty(id=s.id, code=s.code, label=s.label, profession=s.profession, synonyms=s.synonyms,
                             label_en=s.label_en, synonyms_en=s.synonyms_en)
             for s in specialties}  # fmt: skip
    for row in rows:
        fields = dict(zip(COLUMNS, row, strict=True))
        if any(isinstance(v, str) and ("\t" in v or "\n" in v or "\\" in v) for v in row):
            raise SystemExit(f"Row {fields['id']} needs COPY escaping: {row!r}")
        profile = Profile(**{k: v for k, v in fields.items() if k not in ("specialty_id", "search_text")})
        profile.specialty = by_id[fields["specialty_id"]]
        expected = search_text_of(profile)
        if expected != fields["search_text"]:
            raise SystemExit(
                f"search_text differs from search_text_of() for row {fields['id']}:\n"
                f"  generated {fields['search_text']!r}\n  expected  {expected!r}\n"
                "directory/models.py changed: update Generator.rows()."
            )


# ---------------------------------------------------------------- the load


def secondary_definitions(cursor) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    """([(index, CREATE INDEX ..., constraint or '', its definition)], [(foreign key, definition)])."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), coalesce(c.conname, ''), "
        "coalesce(pg_get_constraintdef(c.oid), '') "
        "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "WHERE i.indrelid = 'directory_profile'::regclass AND NOT i.indisprimary ORDER BY 1"
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'directory_profile'::regclass AND contype = 'f' ORDER BY 1"
    )
    return indexes, cursor.fetchall()


def check_columns(cursor) -> None:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'directory_profile' "
        "AND is_nullable = 'NO' AND column_default IS NULL"
    )
    missing = sorted({name for (name,) in cursor.fetchall()} - set(COLUMNS))
    if missing:
        raise SystemExit(f"directory_profile has required columns the generator does not fill: {missing}")


def create_instances(cursor) -> list[int]:
    cursor.execute(
        "INSERT INTO directory_instance (base_url, name, status, last_seen_at, created_at, feed_cursor) "
        "SELECT 'https://rdv' || n || '.example.org/', 'Cabinet de banc d''essai ' || n, 'approved', now(), now(), 0 "
        "FROM generate_series(1, %s) AS n RETURNING id",
        [INSTANCES],
    )
    return [row[0] for row in cursor.fetchall()]


def cold_import(count: int, seed: int, maintenance_work_mem: str) -> dict[str, float]:
    """Fill the migrated, empty database; returns the seconds of each phase."""
    import psycopg

    phases: dict[str, float] = {}
    specialties = load_specialties()
    with psycopg.connect(CONNINFO, autocommit=True) as connection, connection.cursor() as cursor:
        check_columns(cursor)
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [maintenance_work_mem])
        instance_ids = create_instances(cursor)
        generator = Generator(seed, specialties, instance_ids)
        check_rows(Generator(seed, specialties, instance_ids).rows(1, 2_000), specialties)
        indexes, foreign_keys = secondary_definitions(cursor)

        started = clock.perf_counter()
        for name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE directory_profile DROP CONSTRAINT "{name}"')
        for name, _definition, constraint, _constraint_definition in indexes:
            if constraint:
                cursor.execute(f'ALTER TABLE directory_profile DROP CONSTRAINT "{constraint}"')
            else:
                cursor.execute(f"DROP INDEX {name}")
        phases["drop indexes and foreign keys"] = clock.perf_counter() - started

        mark = clock.perf_counter()
        generating = 0.0
        with connection.transaction(), cursor.copy(f"COPY directory_profile ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            done = 0
            while done < count:
                size = min(CHUNK, count - done)
                before = clock.perf_counter()
                block = "".join(map(copy_line, generator.rows(done + 1, size)))
                generating += clock.perf_counter() - before
                copy.write(block)
                done += size
                if done % 200_000 == 0 or done == count:
                    print(f"  {done:>9,} rows in {clock.perf_counter() - mark:6.1f} s", flush=True)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('directory_profile', 'id'), (SELECT max(id) FROM directory_profile))"
        )
        phases["generate rows (Python, overlapping COPY)"] = generating
        phases["COPY (including generation)"] = clock.perf_counter() - mark

        for name, definition, constraint, constraint_definition in indexes:
            mark = clock.perf_counter()
            if constraint:
                cursor.execute(f'ALTER TABLE directory_profile ADD CONSTRAINT "{constraint}" {constraint_definition}')
            else:
                cursor.execute(definition)
            phases[f"index {name}"] = clock.perf_counter() - mark
        mark = clock.perf_counter()
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE directory_profile ADD CONSTRAINT "{name}" {definition}')
        phases["foreign keys"] = clock.perf_counter() - mark
        mark = clock.perf_counter()
        cursor.execute("VACUUM (ANALYZE) directory_profile, directory_word")
        phases["VACUUM ANALYZE"] = clock.perf_counter() - mark
        phases["total"] = clock.perf_counter() - started
    return phases


def recreate_database() -> float:
    started = clock.perf_counter()
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    migrate()
    return clock.perf_counter() - started


def describe(count: int) -> None:
    rows = psql(
        "SELECT s.code, count(*) FROM directory_profile p JOIN directory_specialty s ON s.id = p.specialty_id "
        "GROUP BY 1 ORDER BY 2 DESC",
        DB_NAME,
    ).splitlines()
    mix = ", ".join(f"{code} {int(n) / count:.1%}" for code, n in (row.split("|") for row in rows[:10]))
    print(f"Specialty mix (top 10 of {len(rows)}): {mix}")
    print(
        "Largest towns: "
        + psql(
            "SELECT string_agg(city || ' ' || n, ', ') FROM (SELECT city, count(*) n FROM directory_profile "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 6) t",
            DB_NAME,
        )
    )
    print(
        "Most frequent surnames: "
        + psql(
            "SELECT string_agg(last_name || ' ' || n, ', ') FROM (SELECT last_name, count(*) n "
            "FROM directory_profile GROUP BY 1 ORDER BY 2 DESC LIMIT 6) t",
            DB_NAME,
        )
    )
    print(
        "Table and indexes: "
        + psql(
            "SELECT 'table ' || pg_size_pretty(pg_table_size('directory_profile')) || ', ' || "
            "string_agg(indexrelid::regclass || ' ' || pg_size_pretty(pg_relation_size(indexrelid)), ', ') "
            "FROM pg_index WHERE indrelid = 'directory_profile'::regclass",
            DB_NAME,
        )
    )


def ensure_data_set(count: int, seed: int, reuse: bool, maintenance_work_mem: str = "1GB") -> tuple[bool, dict]:
    """The data set in openrdv_directory_bench: (target met or reused, marker)."""
    wanted = {"generator": GENERATOR_VERSION, "profiles": count, "seed": seed}
    marker = read_marker()
    if reuse and marker and all(marker.get(key) == value for key, value in wanted.items()):
        print(f"Reusing {DB_NAME}: {count:,} profiles, seed {seed}, imported in {marker['import_seconds']:.0f} s")
        migrate()  # new migrations of other engineers, if any
        return True, marker
    if reuse:
        why = "it does not exist" if not database_exists() else f"it holds {marker or 'something else'}"
        print(f"Cannot reuse {DB_NAME}: {why}; generating it.")

    print(f"Recreating database {DB_NAME} and migrating…", flush=True)
    migrate_seconds = recreate_database()
    print(f"Migrated in {migrate_seconds:.1f} s. Loading {count:,} profiles (seed {seed})…", flush=True)
    setup_django()
    phases = cold_import(count, seed, maintenance_work_mem)
    from django.db import connection

    connection.close()
    print("Import phases:")
    for name, seconds in phases.items():
        print(f"  {name:<45} {seconds:8.1f} s")
    describe(count)
    total = phases["total"]
    target = TARGET_IMPORT_SECONDS * count / DEFAULT_PROFILES
    ok = total <= target
    print(f"Cold import: {count:,} profiles in {total:.0f} s ({total / 60:.1f} min, {count / total:,.0f} profiles/s)")
    if not ok:
        print(f"FAIL: import {total:.0f} s > target {target:.0f} s", file=sys.stderr)
    marker = {**wanted, "import_seconds": round(total, 1), "phases": {k: round(v, 1) for k, v in phases.items()}}
    write_marker(marker)
    return ok, marker


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--profiles", type=int, default=DEFAULT_PROFILES, help="profiles (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--reuse", action="store_true", help="keep an existing data set of the same count and seed")
    parser.add_argument(
        "--maintenance-work-mem", default="1GB", help="the load session's maintenance_work_mem (default 1GB)"
    )
    args = parser.parse_args()
    count = max(1_000, min(args.profiles, 3_000_000))
    ok, _marker = ensure_data_set(count, args.seed, args.reuse, args.maintenance_work_mem)
    print("\nOK: every target met" if ok else "\nFAIL: see above", file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
