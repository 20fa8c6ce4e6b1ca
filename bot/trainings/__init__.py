"""Trainings: the catalogue, registrations with seats and waiting list, notices to members
and staff, reminders and calendar files."""
