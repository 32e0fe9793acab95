"""cohorts: a stamp renewed by every write that feeds a grade

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grades_stamp', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('lms_cohort', schema=None) as batch_op:
        batch_op.drop_column('grades_stamp')
