"""The French catalog is complete and compiled."""

import gettext
import re
from pathlib import Path

from django.utils import translation

CATALOG = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES"


def entries() -> list[str]:
    return CATALOG.joinpath("django.po").read_text(encoding="utf-8").split("\n\n")[1:]


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [e for e in entries() if re.search(r'^msgstr ""\Z', e.strip(), re.M) or "#, fuzzy" in e]
    assert untranslated == []


def test_the_compiled_catalog_matches_its_source():
    with CATALOG.joinpath("django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    checked = 0
    for entry in entries():
        match = re.search(r'^msgid "(.+)"\nmsgstr "(.+)"$', entry, re.M)
        if match and "msgctxt" not in entry:
            msgid, msgstr = (
                part.encode().decode("unicode_escape").encode("latin-1").decode() for part in match.groups()
            )
            assert catalog.gettext(msgid) == msgstr
            checked += 1
    assert checked > 100


def test_the_pages_speak_french_by_default_and_english_on_request(client, db):
    assert "Prendre rendez-vous" in client.get("/").content.decode()
    assert "Book an appointment" in client.get("/", headers={"Accept-Language": "en"}).content.decode()
    with translation.override("fr"):
        assert translation.gettext("Confirm the appointment") == "Confirmer le rendez-vous"
