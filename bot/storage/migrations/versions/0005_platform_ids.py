"""platform ids to 255 characters: Matrix ids (@user:server, !room:server) run that long

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "channel_identities": ("user_id", "chat_id"),
    "dialogue_states": ("chat_id", "user_id"),
}


def _resize(old: int, new: int) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=old),
                    type_=sa.String(length=new),
                    existing_nullable=False,
                )


def upgrade() -> None:
    _resize(100, 255)


def downgrade() -> None:
    _resize(255, 100)
