"""Who counts as a moderator: Manage Server, or the role the server configured."""

from __future__ import annotations

import discord


def is_moderator(interaction: discord.Interaction, mod_role_id: int | None) -> bool:
    """Decide from the interaction's resolved permissions and roles, never from a cache."""
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    member = interaction.user
    if mod_role_id is None or not isinstance(member, discord.Member):
        return False
    return any(role.id == mod_role_id for role in member.roles)
