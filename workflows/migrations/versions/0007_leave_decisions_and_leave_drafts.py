"""leave decisions by mail and Telegram, drafts from leave

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:09:08.830618
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decision_links',
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['leave_requests.id'], ),
    sa.PrimaryKeyConstraint('nonce')
    )
    with op.batch_alter_table('decision_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_links_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leave_request_id', sa.Integer(), nullable=True))
        batch_op.alter_column('inbound_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_drafts_leave_request_id'), ['leave_request_id'], unique=False)
        batch_op.create_foreign_key('fk_drafts_leave_request_id', 'leave_requests', ['leave_request_id'], ['id'])

    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('employee_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_link_codes_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key('fk_link_codes_user_id', 'users', ['user_id'], ['id'])

    with op.batch_alter_table('telegram_chats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_telegram_chats_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key('fk_telegram_chats_user_id', 'users', ['user_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('telegram_chats', schema=None) as batch_op:
        batch_op.drop_constraint('fk_telegram_chats_user_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_telegram_chats_user_id'))
        batch_op.drop_column('user_id')

    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.drop_constraint('fk_link_codes_user_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_link_codes_user_id'))
        batch_op.alter_column('employee_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('user_id')

    with op.batch_alter_table('leave_requests', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')

    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_drafts_leave_request_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_drafts_leave_request_id'))
        batch_op.alter_column('inbound_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('leave_request_id')

    with op.batch_alter_table('decision_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_links_request_id'))

    op.drop_table('decision_links')
