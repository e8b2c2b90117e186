"""quotes count the documents they issued; products carry their name and unit per document locale

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 21:00:00

`quotes.document_revision` is the version a customer reads on a document: each finalize issues one more
(1 for the first document sent). It replaces the quote's edit count, which made the first document sent
say "Version 2". A quote already finalized counts as having issued one document.

`products.translations` maps a document locale to the product's name and unit in that language; a
product without one prints its default name and unit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_revision", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE quotes SET document_revision = 1 WHERE document_path IS NOT NULL")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translations", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("translations")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_column("document_revision")
