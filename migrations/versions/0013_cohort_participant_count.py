"""cohorts: the participant count, kept by triggers on memberships

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 18:00:00.000000

The cohort page shows how many participants a cohort has; counting them read every
participant's membership (5,000 rows in a large cohort) on every visit. ``participant_count``
is kept by the database: a trigger adds or takes one at every insert, delete or change of a
participant's membership, whichever code (or cascade) writes it.

On SQLite, a batch alteration of ``lms_membership`` (a table copied and renamed) drops the
table's triggers: a later migration that alters the table that way must create them again
(``create_triggers``).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

COUNT = ("UPDATE lms_cohort SET participant_count = (SELECT count(*) FROM lms_membership "
         "WHERE lms_membership.cohort_id = lms_cohort.id AND lms_membership.role = 'participant')")

POSTGRESQL = [
    """CREATE FUNCTION lms_membership_count_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.role = 'participant' THEN
    UPDATE lms_cohort SET participant_count = participant_count - 1 WHERE id = OLD.cohort_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.role = 'participant' THEN
    UPDATE lms_cohort SET participant_count = participant_count + 1 WHERE id = NEW.cohort_id;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER lms_membership_count_participants AFTER INSERT OR DELETE OR UPDATE OF cohort_id, role
ON lms_membership FOR EACH ROW EXECUTE FUNCTION lms_membership_count_participants()""",
]

SQLITE = [
    """CREATE TRIGGER lms_membership_participant_added AFTER INSERT ON lms_membership
WHEN NEW.role = 'participant' BEGIN
  UPDATE lms_cohort SET participant_count = participant_count + 1 WHERE id = NEW.cohort_id;
END""",
    """CREATE TRIGGER lms_membership_participant_removed AFTER DELETE ON lms_membership
WHEN OLD.role = 'participant' BEGIN
  UPDATE lms_cohort SET participant_count = participant_count - 1 WHERE id = OLD.cohort_id;
END""",
    """CREATE TRIGGER lms_membership_participant_changed AFTER UPDATE OF cohort_id, role ON lms_membership BEGIN
  UPDATE lms_cohort SET participant_count = participant_count - 1 WHERE id = OLD.cohort_id AND OLD.role = 'participant';
  UPDATE lms_cohort SET participant_count = participant_count + 1 WHERE id = NEW.cohort_id AND NEW.role = 'participant';
END""",
]


def create_triggers():
    for statement in POSTGRESQL if op.get_bind().dialect.name == 'postgresql' else SQLITE:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name not in ('postgresql', 'sqlite'):
        raise RuntimeError('migration 0013 knows the triggers of PostgreSQL and SQLite only')
    with op.batch_alter_table('lms_cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_count', sa.Integer(), server_default='0', nullable=False))
    op.execute(COUNT)
    create_triggers()


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER lms_membership_count_participants ON lms_membership')
        op.execute('DROP FUNCTION lms_membership_count_participants()')
    else:
        for name in ('added', 'removed', 'changed'):
            op.execute(f'DROP TRIGGER lms_membership_participant_{name}')
    with op.batch_alter_table('lms_cohort', schema=None) as batch_op:
        batch_op.drop_column('participant_count')
