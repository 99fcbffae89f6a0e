"""When closing a question ends its round, and how."""

import pytest

from bot.core.rounds import ending


@pytest.mark.parametrize(
    ("position", "total", "stop_requested", "expected"),
    [
        (1, 3, False, None),  # more questions to come
        (3, 3, False, "finished"),  # the last question closed
        (1, 3, True, "stopped"),  # someone asked to stop
        (3, 3, True, "stopped"),  # asked on the last question: still a stop, as the summary says
    ],
)
def test_ending(position, total, stop_requested, expected):
    assert ending(position, total, stop_requested) == expected
