"""Channel adapters: each turns platform events into Incoming and Replies into API calls."""

from bot.channels.base import Channel

__all__ = ["Channel"]
