"""A loopback Discord (REST v10 + gateway) for end-to-end tests of a real, unmodified discord.py bot process."""

from .errors import DiscordError
from .gateway import IdentifyRecord, Session, shard_of
from .interactions import CallbackResult, InteractionHandle
from .models import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    Attachment,
    Button,
    Guild,
    Member,
    Message,
)
from .recording import Fault, RequestRecord
from .server import DiscordEmulator

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
    "IdentifyRecord",
    "InteractionHandle",
    "Member",
    "Message",
    "RequestRecord",
    "Session",
    "shard_of",
]
