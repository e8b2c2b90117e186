"""metadata on accounts, products, quotes and contracts; external ids on accounts and contracts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 03:00:00

`metadata` is a JSON object of string pairs; existing rows get `{}` from the server default. `external_id` is
the caller's own id for the object: optional and unique (a unique index, so many nulls do not collide).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METADATA_TABLES = ("accounts", "products", "quotes", "contracts")
EXTERNAL_ID_TABLES = ("accounts", "contracts")


def upgrade() -> None:
    for table in METADATA_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("metadata", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
            if table in EXTERNAL_ID_TABLES:
                batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
                batch_op.create_index(f"ix_{table}_external_id", ["external_id"], unique=True)


def downgrade() -> None:
    for table in reversed(METADATA_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in EXTERNAL_ID_TABLES:
                batch_op.drop_index(f"ix_{table}_external_id")
                batch_op.drop_column("external_id")
            batch_op.drop_column("metadata")
