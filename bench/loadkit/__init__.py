"""The pieces of ``bench/load.py``, one thing a module.

    far_side    the fake Telegram and Slack APIs of the channel tests, routing each call
                to the inbox of the chat it answers (no global call list to scan)
    members     one simulated member per platform: say, press, wait for the reply
    mix         what members do: FAQ questions, idea dialogues, registrations; echo texts
    generator   many members for a while, closed loop or paced; the tally of a phase
    processes   the server under test as a child process: start, health, RSS, CPU, stop
    postgres    a throw-away PostgreSQL cluster in a temp dir
    echo        the bare baselines: a PTB echo bot and a Bolt echo app on one server

Everything runs on 127.0.0.1; nothing here is imported by the product or the tests.
"""
