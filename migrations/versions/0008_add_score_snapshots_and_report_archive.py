"""Add score snapshots (trends) and the archive of generated readiness reports

Comes after 0007 (campaigns): snapshots name the campaign they follow.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 22:19:50.406242
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_archive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('generated_by', sa.String(length=254), nullable=False),
    sa.Column('generated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['generated_by_user_id'], ['user_account.id'], name=op.f('fk_report_archive_generated_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_report_archive_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_archive')),
    sa.UniqueConstraint('public_id', name=op.f('uq_report_archive_public_id'))
    )
    with op.batch_alter_table('report_archive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_archive_generated_by_user_id'), ['generated_by_user_id'], unique=False)
        batch_op.create_index('ix_report_archive_organisation_generated', ['organisation_id', 'generated_at'], unique=False)

    op.create_table('score_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('answer_set_id', sa.Integer(), nullable=True),
    sa.Column('technical_score', sa.Float(), nullable=True),
    sa.Column('technical_grade', sa.String(length=1), nullable=True),
    sa.Column('uncapped_grade', sa.String(length=1), nullable=True),
    sa.Column('organisational_score', sa.Float(), nullable=True),
    sa.Column('maturity_score', sa.Float(), nullable=True),
    sa.Column('maturity_level', sa.Integer(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('caps', sa.JSON(), nullable=False),
    sa.Column('open_findings', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_set_id'], ['answer_set.id'], name=op.f('fk_score_snapshot_answer_set_id_answer_set'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_score_snapshot_campaign_id_campaign'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_score_snapshot_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_snapshot')),
    sa.UniqueConstraint('organisation_id', 'answer_set_id', name=op.f('uq_score_snapshot_organisation_id_answer_set_id')),
    sa.UniqueConstraint('organisation_id', 'campaign_id', name=op.f('uq_score_snapshot_organisation_id_campaign_id'))
    )
    with op.batch_alter_table('score_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_score_snapshot_organisation_taken', ['organisation_id', 'taken_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('score_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_score_snapshot_organisation_taken')

    op.drop_table('score_snapshot')
    with op.batch_alter_table('report_archive', schema=None) as batch_op:
        batch_op.drop_index('ix_report_archive_organisation_generated')
        batch_op.drop_index(batch_op.f('ix_report_archive_generated_by_user_id'))

    op.drop_table('report_archive')
