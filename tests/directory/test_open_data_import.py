"""The open-data bootstrap: manage.py import_annuaire_sante on a sample built from the documented columns."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory.gazetteer import all_communes
from directory.models import Profile
from directory.open_data import ExtractReader, capitalise, import_extract, rpps_of
from directory.search import SearchQuery
from directory.search.postgres import PostgresBackend
from directory.search.simple import SimpleBackend

from .factories import make_profile

SAMPLE = Path(__file__).with_name("data") / "ps_libreacces_personne_activite_sample.txt"
CREATED = 24
SKIPPED = {
    "specialty_not_in_vocabulary": 3,  # a public-health physician, a biologist's first row, no know-how code
    "another_activity": 1,
    "profession_not_in_vocabulary": 1,  # an occupational therapist
    "no_rpps": 1,  # an ADELI-only row
    "outside_france": 1,
}
pytestmark = pytest.mark.django_db


def run(path=SAMPLE, *args, stderr=None) -> str:
    out = io.StringIO()
    call_command("import_annuaire_sante", str(path), *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def counts(output: str) -> dict[str, int]:
    found = {word: int(n.replace(",", "")) for n, word in re.findall(r"([\d,]+) (created|updated|unchanged)", output)}
    found.update((reason.replace(" ", "_"), int(n)) for reason, n in re.findall(r"skipped, ([a-z ]+): (\d+)", output))
    return found


def by_rpps(number: int) -> Profile:
    return Profile.objects.get(rpps=f"1999{number:07d}")


def commune(insee: str):
    return next(c for c in all_communes() if c.insee == insee)


def edited_sample(tmp_path, old: str, new: str) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "PS_LibreAcces_Personne_activite_202601010000.txt"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_the_sample_is_imported_and_counted():
    output = run()
    assert counts(output) == {"created": CREATED, "updated": 0, "unchanged": 0, **SKIPPED}
    assert "Imported 31 rows" in output
    assert Profile.objects.count() == CREATED
    assert set(Profile.objects.values_list("source", "status", "booking_url").distinct()) == {
        ("import", "published", "")
    }


def test_a_second_run_changes_nothing():
    run()
    before = {p.rpps: (p.pk, p.updated_at) for p in Profile.objects.all()}
    output = run()
    assert counts(output) == {"created": 0, "updated": 0, "unchanged": CREATED, **SKIPPED}
    assert {p.rpps: (p.pk, p.updated_at) for p in Profile.objects.all()} == before


def test_a_changed_row_updates_its_profile(tmp_path):
    run()
    cardiologist = by_rpps(2)
    first_written = cardiologist.updated_at
    changed = edited_sample(tmp_path, "|0143000002|", "|01 43 99 99 99|")
    assert counts(run(changed))["updated"] == 1
    cardiologist.refresh_from_db()
    assert cardiologist.phone == "+33143999999"
    assert cardiologist.updated_at > first_written
    assert Profile.objects.count() == CREATED


def test_a_profile_the_practitioner_edited_is_left_as_is():
    mine = make_profile("Jean", "de La Tour", "cardiologie", rpps="19990000002", source="practitioner", phone="")
    output = run()
    assert counts(output)["profile_not_from_import"] == 1
    assert counts(output)["created"] == CREATED - 1
    again = Profile.objects.get(rpps="19990000002")
    assert (again.pk, again.last_name, again.phone, again.source) == (mine.pk, "de La Tour", "", "practitioner")


def test_fields_are_mapped_from_the_row():
    run()
    gp = by_rpps(1)
    assert (gp.title, gp.first_name, gp.last_name, gp.specialty.code) == (
        "Dr", "Marie-Claire", "Dupont-Moreau", "medecine-generale"
    )  # fmt: skip
    assert (gp.address, gp.postcode, gp.city, gp.insee) == ("12 Rue de la Monnaie", "35000", "Rennes", "35238")
    assert (gp.practice_name, gp.phone, gp.books_online) == ("Cabinet du Dr Dupont-Moreau", "+33299000001", False)
    assert gp.search_text == "marie claire dupont moreau medecin generaliste medecin generaliste medecin traitant " + (
        "medecin de famille mg cabinet du dr dupont moreau rennes "
        "general practitioner gp general practice family doctor family medicine primary care"
    )
    cardiologist = by_rpps(2)
    assert (cardiologist.last_name, cardiologist.address, cardiologist.city) == (
        "De La Tour", "4 Bis Boulevard Voltaire", "Paris"
    )  # fmt: skip
    assert by_rpps(3).title == "Pr" and by_rpps(3).last_name == "Lévêque" and by_rpps(3).first_name == "Hélène"
    assert by_rpps(9).practice_name == "Imagerie du Capitole"  # the trade name before the company name
    assert by_rpps(17).title == ""


def test_specialties_come_from_the_profession_or_the_know_how():
    run()
    assert {n: by_rpps(n).specialty.code for n in (2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 20, 30)} == {
        2: "cardiologie", 3: "dermatologie", 4: "pediatrie", 5: "ophtalmologie", 6: "psychiatrie",
        7: "medecine-generale", 8: "gynecologie", 9: "radiologie", 15: "chirurgie-dentaire", 16: "orthodontie",
        17: "masso-kinesitherapie", 18: "infirmier", 19: "sage-femme", 20: "pharmacie", 30: "psychologie",
    }  # fmt: skip


def test_one_profile_per_person_from_their_first_mapped_row():
    run()
    assert by_rpps(11).city == "Rennes" and by_rpps(11).phone == "+33299000011"  # not the Saint-Malo activity
    assert by_rpps(13).specialty.code == "gastro-enterologie" and by_rpps(13).postcode == "35700"
    assert not Profile.objects.filter(rpps__in=["19990000010", "19990000021", "19990000028", "19990000029"]).exists()


def test_a_small_batch_size_gives_the_same_result():
    assert counts(run(SAMPLE, "--batch-size", "2")) == {"created": CREATED, "updated": 0, "unchanged": 0, **SKIPPED}


def test_coordinates_come_from_the_gazetteer():
    run()
    for number, insee in ((1, "35238"), (2, "75056"), (3, "69123"), (4, "13055"), (23, "97411"), (24, "97209")):
        profile, place = by_rpps(number), commune(insee)
        assert (profile.latitude, profile.longitude) == (place.latitude, place.longitude), number
    unknown_code = by_rpps(27)  # INSEE 35999 is no commune: placed by its postcode, 35400 Saint-Malo
    assert (unknown_code.latitude, unknown_code.longitude) == (commune("35288").latitude, commune("35288").longitude)
    assert (unknown_code.insee, unknown_code.city) == ("35999", "Saint Malo")


def test_phones_are_e164_or_dropped():
    run()
    assert by_rpps(6).phone == "+33612345678"
    assert by_rpps(7).phone == "+33299000007"
    assert by_rpps(22).phone == ""  # "0012" is no phone number
    assert by_rpps(23).phone == "+262262210023"  # La Réunion
    assert by_rpps(24).phone == "+596596600024"  # Martinique
    assert by_rpps(31).phone == "+33299000031"  # only a second number
    assert by_rpps(30).phone == "+33145000030"  # a line cut short after the phone


def test_injection_like_strings_are_stored_verbatim():
    run()
    odd = by_rpps(26)
    assert odd.last_name == "O'Brien\"); DROP TABLE directory_profile;--"
    assert odd.first_name == "<script>alert('x')</script>"
    assert odd.practice_name == 'Cabinet {0} %s ${jndi:x} =HYPERLINK("x")'
    assert Profile.objects.count() == CREATED


@pytest.mark.parametrize("backend", [PostgresBackend(), SimpleBackend()], ids=["postgres", "simple"])
def test_imported_profiles_are_found_by_search(backend):
    run()
    page = backend.search(SearchQuery(text="cardiologue"))
    assert page.results[0].profile_id == by_rpps(2).pk  # (the simple backend also takes "radiologue" as a typo)
    assert by_rpps(2).pk in {r.profile_id for r in backend.search(SearchQuery(text="voltaire paris")).results}
    rennes = commune("35238")
    page = backend.search(
        SearchQuery(text="generaliste", latitude=rennes.latitude, longitude=rennes.longitude, radius_km=10)
    )
    assert {result.profile_id for result in page.results} == {by_rpps(n).pk for n in (1, 7, 11, 26, 31)}


def test_a_dry_run_writes_nothing():
    output = run(SAMPLE, "--dry-run")
    assert counts(output) == {"created": CREATED, "updated": 0, "unchanged": 0, **SKIPPED}
    assert "Dry run: nothing was written." in output
    assert not Profile.objects.exists()


def test_a_wrong_header_fails_clearly(tmp_path):
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("nom;prenom;telephone\nMARTIN;PAUL;0299000000\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r'not a PS_LibreAcces_Personne_activite extract.*"Identifiant PP"'):
        run(wrong)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run(empty)
    latin1 = edited_sample(tmp_path, "HAMIDI", "HAMIDÎ")
    latin1.write_bytes(latin1.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run(latin1)
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.txt")
    assert not Profile.objects.exists()


def test_the_progress_bar_shows_on_a_terminal_and_output_holds_no_contact_details():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    output = run(SAMPLE, "--batch-size", "5", stderr=terminal)
    assert "100.0%" in terminal.getvalue() and "31 rows" in terminal.getvalue()
    everything = output + terminal.getvalue()
    assert not re.search(r"\d{2} ?\d{2} ?\d{2} ?\d{2} ?\d{2}|@|\+33", everything)
    assert "Dupont" not in everything and "DUPONT" not in everything


def test_a_zip_download_is_read_from_its_activity_file(tmp_path):
    import zipfile

    archive = tmp_path / "PS_LibreAcces_202601010000.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("PS_LibreAcces_Dipl_AutExerc_202601010000.txt", "x|y|\n")
        zf.write(SAMPLE, "PS_LibreAcces_Personne_activite_202601010000.txt")
    assert counts(run(archive))["created"] == CREATED


def test_header_variants_and_ragged_rows_are_read():
    header = (
        "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
        "Libellé civilité exercice|Nom d'exercice|Prénom d'exercice|Code profession|Code savoir-faire|"
        "Indice répétition voie (coord. Structure)|"
    )
    lines = [
        header,
        "8|19990000041|819990000041|PR|Professeur|PETIT|ZOÉ|10|SM04|BIS|extra|",
        "8|19990000042|819990000042|||||70",
    ]
    reader = ExtractReader(io.BytesIO(("\ufeff" + "\n".join(lines) + "\n").encode()))
    first, second = list(reader)
    assert (first["title_label"], first["repetition"], first["know_how"]) == ("Professeur", "BIS", "SM04")
    assert first["city"] == ""  # a column the file lacks reads as blank
    assert second["last_name"] == "" and rpps_of(second) == "19990000042"
    report = import_extract(io.BytesIO("\n".join(lines).encode()))
    assert (report.created, dict(report.skipped)) == (1, {"no_name": 1})


def test_rpps_numbers_and_capitals():
    row = {"id_type": "8", "id_pp": "", "id_national": "810001045367"}
    assert rpps_of(row) == "10001045367"
    assert rpps_of({**row, "id_type": "0", "id_national": "0012600631", "id_pp": "012600631"}) == ""
    assert [capitalise(s) for s in ("MARIE-CLAIRE", "D'ARTAGNAN", "ÉLODIE", "McDonald")] == [
        "Marie-Claire", "D'Artagnan", "Élodie", "McDonald"
    ]  # fmt: skip
    assert capitalise("LA ROCHE-SUR-YON", particles=True) == "La Roche-sur-Yon"


def test_a_missing_vocabulary_row_is_created_from_the_vocabulary():
    from directory.models import Specialty

    Specialty.objects.filter(code="orthodontie").delete()
    run()
    assert by_rpps(16).specialty.label == "Orthodontiste"
