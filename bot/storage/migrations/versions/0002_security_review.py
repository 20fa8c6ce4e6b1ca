"""security review (issue 24): a budget of its own for button presses, members' chats
repaired, a lead assignee's platform id

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dialogue_states") as table:
        table.add_column(sa.Column("press_window_start", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("press_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("leads") as table:
        table.add_column(sa.Column("assignee_id", sa.String(length=120)))
    # A member first seen in a group had the group stored as their chat, so reminders and
    # lead notices went to everyone there: their own chat is their user id (Telegram's
    # private chat, the DM Slack's sender opens).
    op.execute(
        "UPDATE channel_identities SET chat_id = user_id"
        " WHERE (channel = 'telegram' AND chat_id LIKE '-%')"
        " OR (channel = 'slack' AND (chat_id LIKE 'C%' OR chat_id LIKE 'G%'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("leads") as table:
        table.drop_column("assignee_id")
    with op.batch_alter_table("dialogue_states") as table:
        table.drop_column("press_count")
        table.drop_column("press_window_start")
