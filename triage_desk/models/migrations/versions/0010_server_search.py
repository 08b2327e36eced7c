"""team server: PostgreSQL full-text indexes standing in for the FTS5 tables of 0002

On SQLCipher this revision does nothing. On PostgreSQL it folds text the way FTS5's unicode61 tokenizer
with remove_diacritics does (unaccent, lower case, every run of non-alphanumerics one separator) in an
IMMUTABLE function, so expression GIN indexes serve the same word-prefix and phrase look-ups.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from triage_desk.models.portable import on_sqlite

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() itself is only STABLE (its dictionary could change); naming the dictionary makes it safe
    # to index, as PostgreSQL's documentation suggests.
    "CREATE FUNCTION td_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, "
    "coalesce(value, ''))), '[^[:alnum:]]+', ' ', 'g')) $$",
    "CREATE FUNCTION td_person_words(surname text, forenames text, postcode text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT to_tsvector('simple'::regconfig, td_fold(surname) || ' ' || td_fold(forenames) || ' ' "
    "|| td_fold(postcode)) $$",
    "CREATE INDEX ix_person_words ON person USING gin (td_person_words(surname, forenames, postcode))",
    "CREATE INDEX ix_person_postcode_words ON person USING gin "
    "(to_tsvector('simple'::regconfig, td_fold(postcode)))",
    "CREATE INDEX ix_referral_subject_words ON referral USING gin "
    "(to_tsvector('simple'::regconfig, td_fold(subject_name)))",
)


def upgrade() -> None:
    if on_sqlite():
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if on_sqlite():
        return
    for index in ("ix_referral_subject_words", "ix_person_postcode_words",
                  "ix_person_words"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    op.execute("DROP FUNCTION IF EXISTS td_person_words(text, text, text)")
    op.execute("DROP FUNCTION IF EXISTS td_fold(text)")
