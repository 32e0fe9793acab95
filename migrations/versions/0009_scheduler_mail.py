"""scheduler and e-mail: outbox delivery fields and attachments, reminders, job runs,
the scheduler's lease and job store, muting reminders

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('server_answer', sa.Text(), nullable=True))
    # Messages queued before the upgrade: notices, due now, each with a Message-ID of its own.
    op.execute("UPDATE lms_outbox_message SET kind = 'notice', next_attempt_at = created_at, "
               "message_id = '<outbox-' || id || '@lms.outbox>'")
    with op.batch_alter_table('lms_outbox_message', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('message_id', existing_type=sa.String(length=255), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_lms_outbox_message_message_id'), ['message_id'])
        batch_op.create_index(batch_op.f('ix_lms_outbox_message_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_outbox_message_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_outbox_message_created_at'), ['created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_lms_outbox_message_user_id_lms_user'), 'lms_user', ['user_id'],
                                    ['id'], ondelete='SET NULL')

    op.create_table(
        'lms_outbox_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['lms_outbox_message.id'],
                                name=op.f('fk_lms_outbox_attachment_message_id_lms_outbox_message'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_outbox_attachment')),
    )
    with op.batch_alter_table('lms_outbox_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_outbox_attachment_message_id'), ['message_id'], unique=False)

    op.create_table(
        'lms_scheduler_job',
        sa.Column('id', sa.Unicode(length=191), nullable=False),
        sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
        sa.Column('job_state', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_scheduler_job')),
    )
    with op.batch_alter_table('lms_scheduler_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_scheduler_job_next_run_time'), ['next_run_time'], unique=False)

    op.create_table(
        'lms_scheduler_lease',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_lms_scheduler_lease')),
    )

    op.create_table(
        'lms_job_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=100), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('holder', sa.String(length=100), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_job_run')),
        sa.UniqueConstraint('job', 'due_at', name='uq_lms_job_run_job_due_at'),
    )
    with op.batch_alter_table('lms_job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_job_run_job'), ['job'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_job_run_started_at'), ['started_at'], unique=False)

    op.create_table(
        'lms_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=50), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=20), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['lms_cohort.id'], name=op.f('fk_lms_reminder_cohort_id_lms_cohort'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_reminder_user_id_lms_user'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['outbox_id'], ['lms_outbox_message.id'],
                                name=op.f('fk_lms_reminder_outbox_id_lms_outbox_message'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_reminder')),
        sa.UniqueConstraint('key', name=op.f('uq_lms_reminder_key')),
    )
    with op.batch_alter_table('lms_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_reminder_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_reminder_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_reminder_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_reminder_status'), ['status'], unique=False)

    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mute_reminders', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.alter_column('mute_reminders', existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.drop_column('mute_reminders')
    op.drop_table('lms_reminder')
    op.drop_table('lms_job_run')
    op.drop_table('lms_scheduler_lease')
    op.drop_table('lms_scheduler_job')
    op.drop_table('lms_outbox_attachment')
    with op.batch_alter_table('lms_outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lms_outbox_message_user_id_lms_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_lms_outbox_message_created_at'))
        batch_op.drop_index(batch_op.f('ix_lms_outbox_message_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_lms_outbox_message_user_id'))
        batch_op.drop_constraint(batch_op.f('uq_lms_outbox_message_message_id'), type_='unique')
        batch_op.drop_column('server_answer')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('message_id')
        batch_op.drop_column('html')
        batch_op.drop_column('kind')
        batch_op.drop_column('user_id')
