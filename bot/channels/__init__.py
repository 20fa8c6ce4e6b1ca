"""Channel adapters: each turns platform events into Incoming and Replies into API calls."""

from bot.channels.base import Channel, Sender

__all__ = ["Channel", "Sender"]
