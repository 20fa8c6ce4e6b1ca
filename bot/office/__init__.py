"""The office web app: staff sign in with a one-time link from the chat and follow leads.

Served by ``optobot serve`` under ``/office/`` (see :func:`bot.office.web.install`). It calls
the same functions as the chat buttons and the CLI, so a change here is a change there.
"""
