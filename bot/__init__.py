"""optobot: the member assistant of OptoNet e.V."""

from bot.messages import Attachment, Choice, Incoming, Reply

__all__ = ["Attachment", "Choice", "Incoming", "Reply"]
