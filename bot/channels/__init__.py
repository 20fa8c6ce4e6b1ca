"""Channel adapters: each turns platform events into Incoming and Replies into API calls.

The protocols are in :mod:`bot.channels.base`; nothing is imported here, so the settings
(which derive from :mod:`bot.channels.settings`) load no channel code.
"""
