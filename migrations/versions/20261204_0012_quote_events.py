"""quote events: an event names a quote, a contract, or both

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 03:00:00

A new-business quote's events (created, finalized, declined, expired…) come before any contract exists, so
`events.contract_id` and `events.contract_version` may be null; every existing event keeps both. A webhook
delivery carries its event's quote too, as it is sent in order per contract and per quote. A renewal run
counts the open quotes it expired past their validity.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("contract_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.alter_column("contract_version", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.alter_column("contract_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("quote_id", sa.Uuid(), nullable=True))
        batch_op.create_index("ix_webhook_deliveries_quote_order", ["endpoint_id", "quote_id", "event_sequence"],
                              unique=False)
    with op.batch_alter_table("renewal_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quotes_expired", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE webhook_deliveries SET quote_id = (SELECT quote_id FROM events "
               "WHERE events.sequence = webhook_deliveries.event_sequence)")


def downgrade() -> None:
    with op.batch_alter_table("renewal_runs", schema=None) as batch_op:
        batch_op.drop_column("quotes_expired")
    op.execute("DELETE FROM webhook_deliveries WHERE contract_id IS NULL")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_quote_order")
        batch_op.drop_column("quote_id")
        batch_op.alter_column("contract_id", existing_type=sa.Uuid(), nullable=False)
    op.execute("DELETE FROM events WHERE contract_id IS NULL")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("contract_version", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("contract_id", existing_type=sa.Uuid(), nullable=False)
