"""payroll periods

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 10:27:36.242279
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_settings',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('kind')
    )
    op.create_table('sent_notices',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('outbound_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('payroll_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('run_done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('run_done_by', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('notices_queued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('employer_id', 'period')
    )
    with op.batch_alter_table('payroll_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_periods_employer_id'), ['employer_id'], unique=False)

    op.create_table('payroll_schedules',
    sa.Column('employer_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('frequency', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('run_day', sa.Integer(), nullable=False),
    sa.Column('deadline_working_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], ),
    sa.PrimaryKeyConstraint('employer_id')
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.alter_column('period',
               existing_type=sa.VARCHAR(length=7),
               type_=sqlmodel.sql.sqltypes.AutoString(length=10),
               existing_nullable=True)

    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.alter_column('period', existing_type=sa.VARCHAR(length=7),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=10), existing_nullable=False)

    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_hourly', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_column('paid_hourly')

    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.alter_column('period', existing_type=sqlmodel.sql.sqltypes.AutoString(length=10),
                              type_=sa.VARCHAR(length=7), existing_nullable=False)

    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.alter_column('period',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=10),
               type_=sa.VARCHAR(length=7),
               existing_nullable=True)

    op.drop_table('payroll_schedules')
    with op.batch_alter_table('payroll_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_periods_employer_id'))

    op.drop_table('payroll_periods')
    op.drop_table('sent_notices')
    op.drop_table('reminder_settings')
