"""The two discord.py internals bot/ui/endpoint.py replaces still exist and are still used."""

import discord.gateway
import discord.http
import pytest
import yarl

from bot.ui import endpoint


@pytest.fixture
def restore():
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


def test_the_patched_attributes_exist():
    assert isinstance(discord.http.Route.BASE, str)
    assert discord.http.Route.BASE.startswith("https://discord.com/api/v")
    assert isinstance(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY, yarl.URL)


def test_point_at_moves_every_route(restore):
    endpoint.point_at("http://127.0.0.1:9/api/v10")
    assert discord.http.Route("GET", "/gateway/bot").url == "http://127.0.0.1:9/api/v10/gateway/bot"


def test_use_gateway_moves_the_fallback_gateway(restore):
    endpoint.use_gateway("ws://127.0.0.1:9/gateway")
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert gateway == yarl.URL("ws://127.0.0.1:9/gateway")
