"""English labels and search synonyms of the specialties (issue 17).

The vocabulary's English words are filled in, then appended to the search
text of every profile (search_text_of puts them last, so the result is what a
save would write). One UPDATE per specialty: the statement-level trigger of
migration 0006 learns the new words into the dictionary. A Meilisearch index
learns them when its profiles are indexed again.
"""

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Concat


def fill_english(apps, schema_editor):
    from directory.specialties import ENGLISH
    from directory.text import fold

    Specialty = apps.get_model("directory", "Specialty")
    Profile = apps.get_model("directory", "Profile")
    for specialty in Specialty.objects.filter(code__in=ENGLISH, label_en="", synonyms_en=""):
        specialty.label_en, specialty.synonyms_en = ENGLISH[specialty.code]
        specialty.save(update_fields=["label_en", "synonyms_en"])
        words = fold(f"{specialty.label_en} {specialty.synonyms_en.replace(',', ' ')}")
        Profile.objects.filter(specialty=specialty).update(search_text=Concat(F("search_text"), Value(f" {words}")))


class Migration(migrations.Migration):
    dependencies = [("directory", "0012_report_reporter_digest")]

    operations = [
        migrations.AddField(
            model_name="specialty",
            name="label_en",
            field=models.CharField(blank=True, help_text="Shown at /en/.", max_length=120, verbose_name="English label"),
        ),
        migrations.AddField(
            model_name="specialty",
            name="synonyms_en",
            field=models.TextField(
                blank=True,
                help_text="Words English speakers use for it, separated by commas.",
                verbose_name="English search synonyms",
            ),
        ),
        migrations.RunPython(fill_english, migrations.RunPython.noop),
    ]
