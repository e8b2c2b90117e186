"""accounts: the legal name, billing address and tax id printed in the customer block of every document

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:00:00

All nullable: accounts made before this revision have none until someone fills them in, and their documents
show the account's name alone, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("legal_name", 200), ("tax_id", 32), ("billing_street", 200), ("billing_postal_code", 16),
            ("billing_city", 100), ("billing_country", 2))


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name, length in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name, _length in reversed(_COLUMNS):
            batch_op.drop_column(name)
