"""`python -m bot play` from the command line, through the page's JSON API (no browser): a copy of an existing
database shows its data, and what `play` cannot start with is one clear line, leaving nothing behind."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_play import playing
from tests.harness import NETGUARD, REPO_ROOT
from tests.test_playground_database import CHANNEL, GUILD, MEMBERS, seed_database, sha256

pytestmark = pytest.mark.timeout(300)


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as res:
        return json.load(res)


def post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as res:
        return json.load(res)


def embed_text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def test_a_copy_of_a_database_shows_its_servers_scores_and_the_file_is_untouched(tmp_path):
    original = tmp_path / "mine" / "quiz.sqlite3"
    original.parent.mkdir()
    points = asyncio.run(seed_database(original))
    digest = sha256(original)

    with playing(tmp_path, "--database", str(original)) as url:
        state = get(url + "api/state")
        assert state["guild"]["id"] == str(GUILD) and state["default_channel"] == str(CHANNEL)
        players = {p["name"]: p["id"] for p in state["players"]}
        assert players["Alice"] == str(MEMBERS[0]) and players["Bob"] == str(MEMBERS[1])  # most points first
        assert {str(m) for m in MEMBERS} <= {m["id"] for m in state["members"]}

        out = post(
            url + "api/command", {"member": players["Alice"], "channel": str(CHANNEL), "command": "quiz leaderboard"}
        )
        assert out.get("ok"), out
        deadline = time.monotonic() + 30
        board = ""
        while time.monotonic() < deadline and f"<@{MEMBERS[1]}>" not in board:
            messages = get(f"{url}api/messages?channel={CHANNEL}&member={players['Alice']}")["messages"]
            board = "\n".join(embed_text(m) for m in messages if m["ephemeral"])
            time.sleep(0.2)
        assert f"<@{MEMBERS[0]}> — {points[MEMBERS[0]]} pts (2/2 correct)" in board, board
        assert f"<@{MEMBERS[1]}> — {points[MEMBERS[1]]} pts (1/2 correct)" in board, board

    assert sha256(original) == digest
    assert [p.name for p in original.parent.iterdir()] == ["quiz.sqlite3"]  # no -wal, no -shm beside it


def run_play(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBOT_", "DISCORD_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETGUARD), env.get("PYTHONPATH", "")) if p)
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(temp)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "play", *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert list(temp.iterdir()) == [], "a quizbot-play-* folder was left behind"
    assert done.stdout == ""
    return done


def test_a_file_that_is_not_a_database_is_one_line_exit_2_and_no_folder_left(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    done = run_play(tmp_path, "--database", str(notes))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {notes} is not an SQLite database (no SQLite header); name the bot's database file"
    ]
    assert notes.read_text() == "not a database\n"


@pytest.mark.parametrize("port", ["70000", "99999", "-1"])
def test_a_port_out_of_range_is_one_line_exit_2(tmp_path, port):
    done = run_play(tmp_path, "--port", port)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and f"--port {port} is out of range" in done.stderr


def test_a_busy_port_is_one_line_exit_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_play(tmp_path, "--port", str(port))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: port {port} on 127.0.0.1 is in use; choose another --port, or 0 for any free one"
    ]


def test_content_the_bot_refuses_is_its_own_lines_and_exit_2(tmp_path):
    """The bot process exits 2 on a duplicate key in a deck: `play` exits 2 too, with the bot's reason."""
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "trl.yaml").write_text(
        'deck: trl\nquestions:\n  - id: q1\n    prompt: "Which?"\n    choices: ["a", "b"]\n'
        '    answer: "A"\n    explanation: "So."\n    answer: "B"\n',
        encoding="utf-8",
    )
    done = run_play(tmp_path, "--content", str(decks))
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) <= 2 and "duplicate key 'answer'" in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "the bot exited with" not in done.stderr
    assert len(done.stderr.splitlines()) <= 4, done.stderr  # starting…, the reason, stopped.
