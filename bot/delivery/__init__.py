"""Everything the assistant sends on its own goes through the outbox: staff and members."""

from bot.delivery.outbox import enqueue, enqueue_replies, replies_from_payload

__all__ = ["enqueue", "enqueue_replies", "replies_from_payload"]
