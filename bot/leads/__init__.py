"""Leads: project ideas and forwarded questions, their status and the office's cards."""
