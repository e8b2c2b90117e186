"""renewals: contract terms, billing anchor, segment origin, renewal runs

Existing contracts get one term (their start to their end, made by their source quote), a billing anchor
on their start date, and versions that say what made them; existing segments say what opened them (the
sale, or an amendment when they were recorded later) and which segment they follow.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:30:19.083225
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('renewal_runs',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Uuid(), nullable=True),
    sa.Column('renewal_quotes_created', sa.Integer(), nullable=False),
    sa.Column('contracts_renewed', sa.Integer(), nullable=False),
    sa.Column('contracts_expired', sa.Integer(), nullable=False),
    sa.Column('evergreen_uplifts', sa.Integer(), nullable=False),
    sa.Column('cancellations_effective', sa.Integer(), nullable=False),
    sa.Column('contracts_processed', sa.Integer(), nullable=False),
    sa.Column('started_at', app.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_renewal_runs_api_key_id_api_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_runs'))
    )
    with op.batch_alter_table('renewal_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_runs_as_of'), ['as_of'], unique=False)

    op.create_table('contract_terms',
    sa.Column('contract_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('quote_id', sa.Uuid(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_terms_contract_id_contracts')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_contract_terms_quote_id_quotes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_terms')),
    sa.UniqueConstraint('contract_id', 'number', name='uq_contract_terms_contract_number')
    )
    op.create_table('renewal_run_errors',
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('contract_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.String(length=2000), nullable=False),
    sa.Column('created_at', app.db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_renewal_run_errors_contract_id_contracts')),
    sa.ForeignKeyConstraint(['run_id'], ['renewal_runs.id'], name=op.f('fk_renewal_run_errors_run_id_renewal_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_run_errors')),
    sa.UniqueConstraint('run_id', 'contract_id', name='uq_renewal_run_errors_run_contract')
    )
    with op.batch_alter_table('renewal_run_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_run_errors_run_id'), ['run_id'], unique=False)

    with op.batch_alter_table('contract_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='sale', nullable=False))
        batch_op.add_column(sa.Column('effective_on', sa.Date(), nullable=True))
        batch_op.alter_column('quote_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index('uq_contract_versions_uplift', ['contract_id', 'effective_on'], unique=True, postgresql_where=sa.text("kind = 'uplift'"), sqlite_where=sa.text("kind = 'uplift'"))

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('billing_anchor', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('renewal_quote_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_requested_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_effective_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('last_uplift_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_due_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_contracts_due', ['next_due_on'], unique=False, postgresql_where=sa.text("status = 'active'"))
        batch_op.create_foreign_key(batch_op.f('fk_contracts_renewal_quote_id_quotes'), 'quotes', ['renewal_quote_id'], ['id'], use_alter=True)

    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_net_unit_price', app.db.types.ExactDecimal(precision=18, scale=6), nullable=True))
        batch_op.add_column(sa.Column('pricing_method', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('price_capped', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal_term', sa.Integer(), nullable=True))
        batch_op.create_index('uq_quotes_live_renewal', ['contract_id', 'renewal_term'], unique=True, postgresql_where=sa.text("renewal_term IS NOT NULL AND status NOT IN ('declined', 'cancelled', 'expired')"), sqlite_where=sa.text("renewal_term IS NOT NULL AND status NOT IN ('declined', 'cancelled', 'expired')"))

    with op.batch_alter_table('subscription_segments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='sale', nullable=False))
        batch_op.add_column(sa.Column('replaces_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_subscription_segments_replaces_id_subscription_segments'), 'subscription_segments', ['replaces_id'], ['id'])

    _backfill()
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.alter_column('billing_anchor', existing_type=sa.Date(), nullable=False)


def _backfill() -> None:
    """What existing rows already implied: one term each, the anchor on the start, origins from the dates."""
    op.execute("UPDATE contracts SET billing_anchor = start_date")
    op.execute("UPDATE contract_versions SET kind = 'amendment' WHERE version > 1")
    op.execute("UPDATE contract_versions SET effective_on = (SELECT q.effective_date FROM quotes q "
               "WHERE q.id = contract_versions.quote_id) WHERE version > 1")
    op.execute("UPDATE contract_versions SET effective_on = (SELECT c.start_date FROM contracts c "
               "WHERE c.id = contract_versions.contract_id) WHERE version = 1")
    op.execute("UPDATE subscription_segments SET origin = 'amendment' WHERE recorded_on IS NOT NULL")
    op.execute("UPDATE subscription_segments SET closed_by = 'amendment' WHERE closed_on IS NOT NULL")
    op.execute("UPDATE subscription_segments SET replaces_id = (SELECT old.id FROM subscription_segments old "
               "WHERE old.contract_id = subscription_segments.contract_id AND old.sku = subscription_segments.sku "
               "AND old.closed_in_version = subscription_segments.contract_version "
               "ORDER BY old.start_date DESC LIMIT 1) WHERE origin = 'amendment'")
    bind = op.get_bind()
    contracts = sa.table('contracts', sa.column('id', sa.Uuid()), sa.column('start_date', sa.Date()),
                         sa.column('end_date', sa.Date()), sa.column('source_quote_id', sa.Uuid()))
    terms = sa.table('contract_terms', sa.column('id', sa.Uuid()), sa.column('contract_id', sa.Uuid()),
                     sa.column('number', sa.Integer()), sa.column('start_date', sa.Date()),
                     sa.column('end_date', sa.Date()), sa.column('quote_id', sa.Uuid()),
                     sa.column('created_at', app.db.types.UtcDateTime()),
                     sa.column('updated_at', app.db.types.UtcDateTime()))
    now = datetime.now(UTC)
    rows = [
        {"id": uuid.uuid4(), "contract_id": row.id, "number": 1, "start_date": row.start_date,
         "end_date": row.end_date, "quote_id": row.source_quote_id, "created_at": now, "updated_at": now}
        for row in bind.execute(sa.select(contracts))
    ]
    if rows:
        op.bulk_insert(terms, rows)


def downgrade() -> None:
    with op.batch_alter_table('subscription_segments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_subscription_segments_replaces_id_subscription_segments'), type_='foreignkey')
        batch_op.drop_column('closed_by')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('origin')

    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index('uq_quotes_live_renewal', postgresql_where=sa.text("renewal_term IS NOT NULL AND status NOT IN ('declined', 'cancelled', 'expired')"), sqlite_where=sa.text("renewal_term IS NOT NULL AND status NOT IN ('declined', 'cancelled', 'expired')"))
        batch_op.drop_column('renewal_term')

    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_column('price_capped')
        batch_op.drop_column('pricing_method')
        batch_op.drop_column('previous_net_unit_price')

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contracts_renewal_quote_id_quotes'), type_='foreignkey')
        batch_op.drop_index('ix_contracts_due', postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_column('next_due_on')
        batch_op.drop_column('last_uplift_on')
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('cancellation_effective_on')
        batch_op.drop_column('cancellation_requested_on')
        batch_op.drop_column('renewal_quote_id')
        batch_op.drop_column('billing_anchor')

    with op.batch_alter_table('contract_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_contract_versions_uplift', postgresql_where=sa.text("kind = 'uplift'"), sqlite_where=sa.text("kind = 'uplift'"))
        batch_op.alter_column('quote_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column('effective_on')
        batch_op.drop_column('kind')

    with op.batch_alter_table('renewal_run_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_run_errors_run_id'))

    op.drop_table('renewal_run_errors')
    op.drop_table('contract_terms')
    with op.batch_alter_table('renewal_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_runs_as_of'))

    op.drop_table('renewal_runs')
