"""The review reminder names the servers this process knows, and links the channel of any server."""

from dataclasses import dataclass

from bot.core.results import DueReviews, ReminderMessage
from bot.ui.learning.render import reminder_text


@dataclass(frozen=True)
class Server:
    name: str


def test_a_server_of_another_shard_is_named_by_its_channel_link_not_its_number():
    known = {1: Server(name="TRL *study* group")}
    message = ReminderMessage(member_id=7, due=(DueReviews(1, 3, 10), DueReviews(999_999_999_999, 2, 20)))
    text = reminder_text(message, known.get)
    assert "**3** question(s) due in **TRL \\*study\\* group** — <#10>" in text
    assert "**2** question(s) due in another server — <#20>" in text
    assert "999999999999" not in text
