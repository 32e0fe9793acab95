"""memberships: one index on (cohort, role, person) in place of the one on cohort

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 06:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_lms_membership_cohort_id_role', 'lms_membership', ['cohort_id', 'role', 'user_id'],
                    unique=False)
    op.drop_index('ix_lms_membership_cohort_id', table_name='lms_membership')


def downgrade():
    op.create_index('ix_lms_membership_cohort_id', 'lms_membership', ['cohort_id'], unique=False)
    op.drop_index('ix_lms_membership_cohort_id_role', table_name='lms_membership')
