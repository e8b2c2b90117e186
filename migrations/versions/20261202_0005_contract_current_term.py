"""contracts carry their current term's number and start, so the renewal run reads them without a query

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("term_number", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("term_start", sa.Date(), nullable=True))
    op.execute("UPDATE contracts SET term_number = (SELECT max(t.number) FROM contract_terms t "
               "WHERE t.contract_id = contracts.id) WHERE EXISTS (SELECT 1 FROM contract_terms t "
               "WHERE t.contract_id = contracts.id)")
    op.execute("UPDATE contracts SET term_start = coalesce((SELECT t.start_date FROM contract_terms t "
               "WHERE t.contract_id = contracts.id AND t.number = contracts.term_number), start_date)")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.alter_column("term_start", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("term_start")
        batch_op.drop_column("term_number")
