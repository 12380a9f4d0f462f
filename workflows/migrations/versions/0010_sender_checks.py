"""sender checks: the employer's policy and the verdict per message

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_policy', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_check', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('sender_check')
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_column('sender_policy')
