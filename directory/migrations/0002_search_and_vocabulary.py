from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

TRIGRAM_INDEX = "CREATE INDEX profile_search_trgm ON directory_profile USING gin (search_text gin_trgm_ops)"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM_INDEX)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS profile_search_trgm")


def load_vocabulary(apps, schema_editor):
    from directory.specialties import SPECIALTIES

    Specialty = apps.get_model("directory", "Specialty")
    for code, label, profession, synonyms, annuaire in SPECIALTIES:
        Specialty.objects.update_or_create(
            code=code,
            defaults={"label": label, "profession": profession, "synonyms": synonyms, "annuaire_codes": annuaire},
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.RunPython(load_vocabulary, migrations.RunPython.noop),
    ]
