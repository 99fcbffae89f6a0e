"""Kept for tests written against the old location: the emulator is now the `discord_loopback` package
(emulator/ in this repository). New code imports `from discord_loopback import …`.

Submodules are aliased too, so `from tests.emulator.interactions import DEADLINE` keeps working. The
network guard (netguard/, a test safety net put on the bot process's PYTHONPATH) stays here, in tests.
"""

import importlib
import sys

from discord_loopback import *  # noqa: F403  # pyright: ignore[reportWildcardImportFromLibrary]
from discord_loopback import (  # the names tests import from here
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    Attachment,
    Button,
    CallbackResult,
    DiscordEmulator,
    DiscordError,
    Fault,
    Guild,
    InteractionHandle,
    Member,
    Message,
    RequestRecord,
)

SUBMODULES = (
    "errors",
    "gateway",
    "interactions",
    "limits",
    "messages",
    "models",
    "rawclient",
    "recording",
    "rest",
    "server",
    "spec_check",
    "waiters",
)
for _name in SUBMODULES:
    sys.modules[f"{__name__}.{_name}"] = importlib.import_module(f"discord_loopback.{_name}")

__all__ = [
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "Attachment",
    "Button",
    "CallbackResult",
    "DiscordEmulator",
    "DiscordError",
    "Fault",
    "Guild",
    "InteractionHandle",
    "Member",
    "Message",
    "RequestRecord",
]
