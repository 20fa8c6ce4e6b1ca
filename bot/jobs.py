"""Every periodic job of a serving process, in one list: a new one is one line here, and
``serve`` (each of the supervisor's workers too) and ``chat`` start them from it."""

from __future__ import annotations

from bot import retention
from bot.curation import digest, reload
from bot.periodic import Job
from bot.trainings import reminders

REMINDERS = Job("training-reminders", reminders.INTERVAL_SECONDS, reminders.remind)
RETENTION = Job("retention", retention.INTERVAL_SECONDS, retention.clean_up_now)
KNOWLEDGE_RELOAD = Job("knowledge-reload", reload.interval, reload.refresh)
GAPS_DIGEST = Job("knowledge-gaps-digest", digest.LOOK_SECONDS, digest.send_digest)
JOBS = (REMINDERS, RETENTION, KNOWLEDGE_RELOAD, GAPS_DIGEST)
"""What ``serve`` runs."""
CHAT_JOBS = (REMINDERS,)
"""What the local ``chat`` runs: reminders to its one member; its throw-away data needs
no clean-up."""
