"""the acceptance trail: the signer's user agent, and acceptances append-only on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:40:00

Rows accepted before this revision keep a null user agent: it was not recorded, and nothing can recover it.
On PostgreSQL a trigger refuses every UPDATE and DELETE of an acceptance, whoever sends it, so the evidence of
a signature cannot be rewritten behind the API's back. SQLite gets none: the test suite empties its tables
with DELETE, and a SQLite database is a development one (TRUNCATE, which empties PostgreSQL's, fires no row
trigger).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = """
CREATE FUNCTION quote_acceptances_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'quote_acceptances is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$
"""
_TRIGGER = """
CREATE TRIGGER quote_acceptances_append_only BEFORE UPDATE OR DELETE ON quote_acceptances
FOR EACH ROW EXECUTE FUNCTION quote_acceptances_append_only()
"""


def upgrade() -> None:
    with op.batch_alter_table("quote_acceptances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_agent", sa.String(length=500), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)
        op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER quote_acceptances_append_only ON quote_acceptances")
        op.execute("DROP FUNCTION quote_acceptances_append_only()")
    with op.batch_alter_table("quote_acceptances", schema=None) as batch_op:
        batch_op.drop_column("user_agent")
