"""create incident tables: incidents, their parts, follow-up links and the e-mail outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:59:35.366121
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op



revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Generated, then read: encrypted columns are Text/LargeBinary holding Fernet tokens.
    op.create_table('incident_counter',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_incident_counter'))
    )
    op.create_table('outbox_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mail'))
    )
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_mail_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mail_sent_at'), ['sent_at'], unique=False)

    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('organisation_hint', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reporter_situation', sa.String(length=32), nullable=False),
    sa.Column('reporter_name', sa.Text(), nullable=True),
    sa.Column('reporter_role', sa.Text(), nullable=True),
    sa.Column('reporter_email', sa.Text(), nullable=True),
    sa.Column('reporter_phone', sa.Text(), nullable=True),
    sa.Column('ongoing', sa.String(length=8), nullable=False),
    sa.Column('personal_data_reported', sa.String(length=8), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('aware_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rsit_class', sa.String(length=48), nullable=True),
    sa.Column('rsit_type', sa.String(length=48), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('pap', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('significant', sa.Boolean(), nullable=False),
    sa.Column('personal_data_breach', sa.Boolean(), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_incident_assignee_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['incident.id'], name=op.f('fk_incident_duplicate_of_id_incident'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_incident_organisation_id_organisation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident')),
    sa.UniqueConstraint('reference', name=op.f('uq_incident_reference'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_next_due_at'), ['next_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_status'), ['status'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=254), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('sniffed_type', sa.String(length=16), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_attachment_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('public_id', name=op.f('uq_attachment_public_id'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_sha256'), ['sha256'], unique=False)

    op.create_table('follow_up_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_follow_up_token_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_token')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_follow_up_token_token_digest'))
    )
    with op.batch_alter_table('follow_up_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_token_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=254), nullable=False),
    sa.Column('author_kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_comment_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_comment'))
    )
    with op.batch_alter_table('incident_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_comment_incident_id'), ['incident_id'], unique=False)

    op.create_table('obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=254), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_obligation_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation')),
    sa.UniqueConstraint('incident_id', 'kind', name=op.f('uq_obligation_incident_id_kind'))
    )
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_incident_id'), ['incident_id'], unique=False)

    op.create_table('observable',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=2048), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_observable_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observable')),
    sa.UniqueConstraint('incident_id', 'kind', 'value', name=op.f('uq_observable_incident_id_kind_value')),
    sa.UniqueConstraint('public_id', name=op.f('uq_observable_public_id'))
    )
    with op.batch_alter_table('observable', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observable_incident_id'), ['incident_id'], unique=False)

    op.create_table('timeline_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_timeline_event_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timeline_event'))
    )
    with op.batch_alter_table('timeline_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timeline_event_incident_id'), ['incident_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('timeline_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timeline_event_incident_id'))

    op.drop_table('timeline_event')
    with op.batch_alter_table('observable', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observable_incident_id'))

    op.drop_table('observable')
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligation_incident_id'))
        batch_op.drop_index(batch_op.f('ix_obligation_due_at'))

    op.drop_table('obligation')
    with op.batch_alter_table('incident_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_comment_incident_id'))

    op.drop_table('incident_comment')
    with op.batch_alter_table('follow_up_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_token_incident_id'))

    op.drop_table('follow_up_token')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachment_incident_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_status'))
        batch_op.drop_index(batch_op.f('ix_incident_severity'))
        batch_op.drop_index(batch_op.f('ix_incident_reported_at'))
        batch_op.drop_index(batch_op.f('ix_incident_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_incident_next_due_at'))
        batch_op.drop_index(batch_op.f('ix_incident_assignee_id'))

    op.drop_table('incident')
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_mail_sent_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_mail_next_attempt_at'))

    op.drop_table('outbox_mail')
    op.drop_table('incident_counter')
    # ### end Alembic commands ###
