"""raw mail retention, and audit details without personal data

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 10:56:57.537304

Adds `inbound_messages.purged_at` (workflows/retention.py). Audit events written before this
revision could hold personal data in their detail (a rejection reason, a question, an address,
a leave note, a traceback); from now on they hold ids, field names, statuses and counts only,
and this revision takes those keys out of the old events too. The downgrade cannot put them back.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Per audit action, the detail keys that could hold personal data (as written up to 0008).
PERSONAL_KEYS = {
    "rejected": ("reason",), "question_asked": ("question",), "leave_rejected": ("reason",),
    "leave_corrected": ("note", "reason"), "leave_requested": ("start", "end"), "released": ("address",),
    "discarded": ("sender",), "sender_added": ("address",), "sender_removed": ("address",),
    "user_created": ("email",), "failed": ("error",), "received": ("from",),
}
BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    _scrub_audit_details()


def _scrub_audit_details() -> None:
    audit = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('action', sa.String),
                     sa.column('detail', sa.JSON))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(audit.c.id, audit.c.action, audit.c.detail)
                                  .where(audit.c.id > last, audit.c.action.in_(list(PERSONAL_KEYS)))
                                  .order_by(audit.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        changed = []
        for row in rows:
            if not isinstance(row.detail, dict):
                continue
            kept = {k: v for k, v in row.detail.items() if k not in PERSONAL_KEYS[row.action]}
            if kept != row.detail:
                changed.append({"row_id": row.id, "new_detail": kept})
        if changed:
            connection.execute(audit.update().where(audit.c.id == sa.bindparam("row_id"))
                               .values(detail=sa.bindparam("new_detail", type_=sa.JSON)), changed)


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
