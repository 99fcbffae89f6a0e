"""A failed post is stored as a reason code with Discord's numeric error code, never Discord's English text."""

from dataclasses import dataclass
from typing import cast

import aiohttp
import discord
import pytest

from bot.core.delivery import Failure
from bot.ui.failures import failure_text
from bot.ui.publisher import failure


@dataclass
class Response:
    status: int
    reason: str


def http_error(kind: type[discord.HTTPException], status: int, code: int) -> discord.HTTPException:
    response = cast(aiohttp.ClientResponse, Response(status, "Forbidden"))
    return kind(response, {"code": code, "message": "Missing Permissions"})


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (http_error(discord.Forbidden, 403, 50013), Failure("forbidden", 5, "50013")),
        (http_error(discord.NotFound, 404, 10003), Failure("gone", 5, "10003")),
        (http_error(discord.DiscordServerError, 503, 0), Failure("discord", 5, "HTTP 503")),
        (aiohttp.ClientConnectionError(), Failure("network", 5, "ClientConnectionError")),
    ],
)
def test_a_failure_keeps_codes_not_sentences(error, expected):
    stored = failure(error, 5).failure
    assert stored == expected
    assert "Missing Permissions" not in failure_text(stored)
