"""add checklists on incidents

playbook_run: a playbook started on an incident, pointing at the stored version it froze.
step_state: a step done (with a note) or skipped (with the reason); the note is encrypted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 21:44:40.782913
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op



revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Generated, then read: `note` is Text holding a Fernet token.
    op.create_table('playbook_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('playbook_id', sa.String(length=64), nullable=False),
    sa.Column('playbook_version_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_playbook_run_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['playbook_version_id'], ['playbook_version.id'], name=op.f('fk_playbook_run_playbook_version_id_playbook_version'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_playbook_run')),
    sa.UniqueConstraint('incident_id', 'playbook_id', name=op.f('uq_playbook_run_incident_id_playbook_id'))
    )
    with op.batch_alter_table('playbook_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_playbook_run_playbook_version_id'), ['playbook_version_id'], unique=False)

    op.create_table('step_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=254), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['playbook_run.id'], name=op.f('fk_step_state_run_id_playbook_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_state')),
    sa.UniqueConstraint('run_id', 'step_id', name=op.f('uq_step_state_run_id_step_id'))
    )
    with op.batch_alter_table('step_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_state_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('step_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_state_run_id'))

    op.drop_table('step_state')
    with op.batch_alter_table('playbook_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_playbook_run_playbook_version_id'))

    op.drop_table('playbook_run')
