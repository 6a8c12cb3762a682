"""Search at national scale on PostgreSQL (measured in bench/README.md, "Recommendations").

- A dictionary of the words of every `search_text` (`directory_word`, trigram
  indexed): a typed word is expanded to the known words it resembles, then
  profiles are found by those words through a GIN index on the word array.
  This replaces the trigram index over whole texts, which compared every
  candidate's text and matched across word boundaries. Two statement-level
  triggers keep the dictionary current, so an edit is searchable at once,
  bulk loads (COPY) included.
- `directory_earth(lat, lon)`: a point on the unit sphere (`cube`), whose GiST
  index answers "nearest first" without measuring every profile in the radius.
- An index on (last_name, id) of published profiles: the first page of a large
  result without a place, in name order.

PostgreSQL only; the SQLite demo searches with the `simple` backend.
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

FORWARD = (
    """
    CREATE TABLE directory_word (word text PRIMARY KEY)
    """,
    """
    CREATE INDEX directory_word_trgm ON directory_word USING gin (word gin_trgm_ops)
    """,
    """
    INSERT INTO directory_word (word)
        SELECT DISTINCT word FROM directory_profile, unnest(string_to_array(search_text, ' ')) AS word
        WHERE word <> ''
    """,
    """
    CREATE FUNCTION directory_learn_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO directory_word (word)
            SELECT DISTINCT word FROM new_profiles, unnest(string_to_array(new_profiles.search_text, ' ')) AS word
            WHERE word <> ''
            ON CONFLICT DO NOTHING;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER directory_profile_words_on_insert AFTER INSERT ON directory_profile
        REFERENCING NEW TABLE AS new_profiles FOR EACH STATEMENT EXECUTE FUNCTION directory_learn_words()
    """,
    """
    CREATE TRIGGER directory_profile_words_on_update AFTER UPDATE ON directory_profile
        REFERENCING NEW TABLE AS new_profiles FOR EACH STATEMENT EXECUTE FUNCTION directory_learn_words()
    """,
    """
    CREATE INDEX profile_words ON directory_profile USING gin (string_to_array(search_text, ' '))
    """,
    """
    DROP INDEX IF EXISTS profile_search_trgm
    """,
    """
    CREATE FUNCTION directory_earth(latitude double precision, longitude double precision) RETURNS cube
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)),
                          cos(radians(latitude)) * sin(radians(longitude)),
                          sin(radians(latitude))])
    """,
    """
    CREATE INDEX profile_earth ON directory_profile USING gist (directory_earth(latitude, longitude))
        WHERE status = 'published'
    """,
    """
    CREATE INDEX profile_published_by_name ON directory_profile (last_name, id) WHERE status = 'published'
    """,
)

BACKWARD = (
    "DROP INDEX IF EXISTS profile_published_by_name",
    "DROP INDEX IF EXISTS profile_earth",
    "DROP FUNCTION IF EXISTS directory_earth(double precision, double precision)",
    "DROP INDEX IF EXISTS profile_words",
    "DROP TRIGGER IF EXISTS directory_profile_words_on_insert ON directory_profile",
    "DROP TRIGGER IF EXISTS directory_profile_words_on_update ON directory_profile",
    "DROP FUNCTION IF EXISTS directory_learn_words()",
    "DROP TABLE IF EXISTS directory_word",
    "CREATE INDEX profile_search_trgm ON directory_profile USING gin (search_text gin_trgm_ops)",
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_covering_place_indexes")]

    operations = [
        CreateExtension("cube"),
        migrations.RunPython(forward, backward),
    ]
