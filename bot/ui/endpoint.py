"""Point discord.py at another Discord API: the loopback emulator in the tests, or a REST proxy.

discord.py has no setting for this, so two attributes of its internals are replaced; both were
checked against discord.py 2.7.1 (tests/ui/test_endpoint.py fails if either disappears):

- ``discord.http.Route.BASE``: every REST URL, the interaction webhooks included, is built from it;
- ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``: where a non-resumable reconnect goes.
  ``AutoShardedClient`` asks the API for the gateway on the first connect, but falls back to this
  constant when it has to identify again.
"""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl


def point_at(api_base_url: str) -> None:
    """Send every REST request to ``api_base_url`` (e.g. http://127.0.0.1:8080/api/v10)."""
    discord.http.Route.BASE = api_base_url


def use_gateway(url: str) -> None:
    """Make a reconnect that can't resume go to ``url`` too, not to Discord's gateway."""
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
