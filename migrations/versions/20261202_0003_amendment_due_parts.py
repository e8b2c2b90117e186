"""amendments: amount due now in its parts, the date it was priced for, the co-terminated end date

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _amount(name: str) -> sa.Column:
    return sa.Column(name, app.db.types.ExactDecimal(precision=18, scale=2), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(_amount("proration_due"))
        batch_op.add_column(_amount("catch_up_due"))
        batch_op.add_column(sa.Column("priced_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_date", sa.Date(), nullable=True))
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.add_column(_amount("proration_due"))
        batch_op.add_column(_amount("catch_up_due"))
    # Amendments priced before this revision showed no catch-up: their amount due now was all proration.
    for table in ("quotes", "quote_lines"):
        op.execute(f"UPDATE {table} SET proration_due = amount_due_now, catch_up_due = 0 "  # noqa: S608
                   "WHERE amount_due_now IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.drop_column("catch_up_due")
        batch_op.drop_column("proration_due")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_column("end_date")
        batch_op.drop_column("priced_on")
        batch_op.drop_column("catch_up_due")
        batch_op.drop_column("proration_due")
