"""login sessions: last seen, for the idle timeout

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    # Sessions open before the upgrade were last seen, as far as anyone knows, when they started.
    op.execute("UPDATE lms_user_session SET last_seen_at = created_at")
    with op.batch_alter_table('lms_user_session', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('lms_user_session', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
