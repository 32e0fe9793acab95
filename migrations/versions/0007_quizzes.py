"""quizzes: per-cohort quizzes, versioned questions, attempts (one submission, guarded) and saved answers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:00:58.978400

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lms_quiz',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_choices', sa.Boolean(), nullable=False),
    sa.Column('one_per_page', sa.Boolean(), nullable=False),
    sa.Column('feedback', sa.Enum('after_submit', 'after_close', 'never', name='lms_quiz_feedback', native_enum=False, length=20), nullable=False),
    sa.Column('grading', sa.Enum('completion', 'score', name='lms_quiz_grading', native_enum=False, length=20), nullable=False),
    sa.Column('component_key', sa.String(length=50), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['lms_cohort.id'], name=op.f('fk_lms_quiz_cohort_id_lms_cohort'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_quiz')),
    sa.UniqueConstraint('cohort_id', 'key', name='uq_lms_quiz_cohort_key')
    )
    with op.batch_alter_table('lms_quiz', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_quiz_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('lms_quiz_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.String(length=20), nullable=True),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('max_score', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['quiz_id'], ['lms_quiz.id'], name=op.f('fk_lms_quiz_attempt_quiz_id_lms_quiz'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_quiz_attempt_user_id_lms_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_quiz_attempt')),
    sa.UniqueConstraint('quiz_id', 'user_id', 'number', name='uq_lms_quiz_attempt_quiz_user_number')
    )
    with op.batch_alter_table('lms_quiz_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_quiz_attempt_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_quiz_attempt_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_quiz_attempt_user_id'), ['user_id'], unique=False)

    op.create_table('lms_quiz_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('correct', sa.JSON(), nullable=False),
    sa.Column('accepted', sa.JSON(), nullable=False),
    sa.Column('partial_credit', sa.Boolean(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['quiz_id'], ['lms_quiz.id'], name=op.f('fk_lms_quiz_question_quiz_id_lms_quiz'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_quiz_question')),
    sa.UniqueConstraint('quiz_id', 'slot', 'version', name='uq_lms_quiz_question_quiz_slot_version')
    )
    with op.batch_alter_table('lms_quiz_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_quiz_question_quiz_id'), ['quiz_id'], unique=False)

    op.create_table('lms_quiz_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['lms_quiz_attempt.id'], name=op.f('fk_lms_quiz_answer_attempt_id_lms_quiz_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['lms_quiz_question.id'], name=op.f('fk_lms_quiz_answer_question_id_lms_quiz_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_quiz_answer')),
    sa.UniqueConstraint('attempt_id', 'question_id', name='uq_lms_quiz_answer_attempt_question')
    )
    with op.batch_alter_table('lms_quiz_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_quiz_answer_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_quiz_answer_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('lms_quiz_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_quiz_answer_question_id'))
        batch_op.drop_index(batch_op.f('ix_lms_quiz_answer_attempt_id'))

    op.drop_table('lms_quiz_answer')
    with op.batch_alter_table('lms_quiz_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_quiz_question_quiz_id'))

    op.drop_table('lms_quiz_question')
    with op.batch_alter_table('lms_quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_quiz_attempt_user_id'))
        batch_op.drop_index(batch_op.f('ix_lms_quiz_attempt_quiz_id'))
        batch_op.drop_index(batch_op.f('ix_lms_quiz_attempt_deadline_at'))

    op.drop_table('lms_quiz_attempt')
    with op.batch_alter_table('lms_quiz', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_quiz_cohort_id'))

    op.drop_table('lms_quiz')
