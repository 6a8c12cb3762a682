from django.db import migrations


def load_vocabulary(apps, schema_editor):
    """Bring the Annuaire Santé code mapping of existing databases up to date."""
    from directory.specialties import SPECIALTIES

    Specialty = apps.get_model("directory", "Specialty")
    for code, label, profession, synonyms, annuaire in SPECIALTIES:
        Specialty.objects.update_or_create(
            code=code,
            defaults={"label": label, "profession": profession, "synonyms": synonyms, "annuaire_codes": annuaire},
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_practitioner_accounts_and_moderation")]

    operations = [migrations.RunPython(load_vocabulary, migrations.RunPython.noop)]
