"""create self-assessment tables: questionnaire snapshots, answer sets, answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:03:20.872150
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ONE_DRAFT = sa.text("status = 'draft'")


def upgrade() -> None:
    op.create_table(
        "questionnaire_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=48), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_snapshot")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_questionnaire_snapshot_content_hash")),
    )
    op.create_table(
        "answer_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=24), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version", sa.String(length=32), nullable=False),
        sa.Column("questionnaire_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=254), nullable=True),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_role", sa.String(length=16), nullable=True),
        sa.Column("member_respondent", sa.String(length=200), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f("ck_answer_set_status")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_answer_set_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_hash"],
            ["questionnaire_snapshot.content_hash"],
            name=op.f("fk_answer_set_questionnaire_hash_questionnaire_snapshot"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_answer_set_submitted_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_set")),
        sa.UniqueConstraint("public_id", name=op.f("uq_answer_set_public_id")),
    )
    op.create_index(op.f("ix_answer_set_organisation_id"), "answer_set", ["organisation_id"])
    op.create_index(op.f("ix_answer_set_submitted_by_user_id"), "answer_set", ["submitted_by_user_id"])
    # At most one draft per organisation, even when two people start one at the same moment.
    op.create_index(
        "uq_answer_set_one_draft_per_organisation",
        "answer_set",
        ["organisation_id"],
        unique=True,
        sqlite_where=_ONE_DRAFT,
        postgresql_where=_ONE_DRAFT,
    )
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_set_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=48), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("special", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.String(length=254), nullable=False),
        sa.CheckConstraint(
            "special IS NULL OR special IN ('unknown', 'not_applicable')", name=op.f("ck_answer_special")
        ),
        sa.CheckConstraint("(level IS NULL) <> (special IS NULL)", name=op.f("ck_answer_level_or_special")),
        sa.CheckConstraint("level IS NULL OR (level >= 0 AND level <= 3)", name=op.f("ck_answer_level_range")),
        sa.ForeignKeyConstraint(
            ["answer_set_id"],
            ["answer_set.id"],
            name=op.f("fk_answer_answer_set_id_answer_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer")),
        sa.UniqueConstraint("answer_set_id", "question_id", name=op.f("uq_answer_answer_set_id_question_id")),
    )


def downgrade() -> None:
    op.drop_table("answer")
    op.drop_index("uq_answer_set_one_draft_per_organisation", table_name="answer_set")
    op.drop_index(op.f("ix_answer_set_submitted_by_user_id"), table_name="answer_set")
    op.drop_index(op.f("ix_answer_set_organisation_id"), table_name="answer_set")
    op.drop_table("answer_set")
    op.drop_table("questionnaire_snapshot")
