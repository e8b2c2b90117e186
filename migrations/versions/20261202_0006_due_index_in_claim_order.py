"""the due-contracts index in the order the renewal run claims them, so a claim reads one batch, not all due

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00

The run claims `ORDER BY next_due_on, id LIMIT 200 FOR UPDATE SKIP LOCKED`. On `next_due_on` alone the
database fetched and sorted every due contract for each batch (66 ms a claim at 30 000 due, measured): a run
was quadratic in the number of contracts. With `id` in the index the scan stops after one batch (0.6 ms).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _index(columns: list[str]) -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_contracts_due", postgresql_where=sa.text("status = 'active'"))
        batch_op.create_index("ix_contracts_due", columns, unique=False, postgresql_where=sa.text("status = 'active'"))


def upgrade() -> None:
    _index(["next_due_on", "id"])


def downgrade() -> None:
    _index(["next_due_on"])
