"""office trainings: where a training came from and whether the office changed it

``origin`` is "catalogue" (synced from trainings.yaml) or "office" (created in the office);
``catalogue_digest`` fingerprints the file's version last applied, ``office_edited_at`` is
set by an edit in the office, so ``trainings sync`` sees a conflict instead of overwriting.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trainings") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=10), nullable=False, server_default="catalogue")
        )
        batch.add_column(sa.Column("catalogue_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("office_edited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trainings") as batch:
        batch.drop_column("office_edited_at")
        batch.drop_column("catalogue_digest")
        batch.drop_column("origin")
