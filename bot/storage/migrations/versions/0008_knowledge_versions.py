"""knowledge base curated in the office: entry versions, gap outcomes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("staff", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_versions")),
        sa.UniqueConstraint("entry_id", "version", name=op.f("uq_knowledge_versions_entry_id")),
    )
    op.create_index(
        op.f("ix_knowledge_versions_entry_id"), "knowledge_versions", ["entry_id"], unique=False
    )
    op.create_table(
        "knowledge_gap_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("staff", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_gap_outcomes")),
        sa.UniqueConstraint("key", name=op.f("uq_knowledge_gap_outcomes_key")),
    )


def downgrade() -> None:
    op.drop_table("knowledge_gap_outcomes")
    op.drop_index(op.f("ix_knowledge_versions_entry_id"), table_name="knowledge_versions")
    op.drop_table("knowledge_versions")
