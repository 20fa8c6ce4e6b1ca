"""answers to forwarded questions and knowledge-base drafts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("answered_by", sa.String(length=200), nullable=True))
    op.create_table(
        "lead_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("staff", sa.String(length=120), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("helped", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_answers_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_answers")),
        sa.UniqueConstraint("source", name=op.f("uq_lead_answers_source")),
    )
    op.create_index(op.f("ix_lead_answers_lead_id"), "lead_answers", ["lead_id"], unique=False)
    op.create_table(
        "kb_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("result", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_drafts")),
    )


def downgrade() -> None:
    op.drop_table("kb_drafts")
    op.drop_index(op.f("ix_lead_answers_lead_id"), table_name="lead_answers")
    op.drop_table("lead_answers")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("answered_by")
