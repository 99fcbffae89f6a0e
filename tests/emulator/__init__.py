"""The network guard put on the bot process's PYTHONPATH by the tests (netguard/).

The loopback Discord itself is the ``discord_loopback`` package (emulator/ at the repository root).
"""
