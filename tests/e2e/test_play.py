"""`python -m bot play` in a real browser: headless Chromium (Debian's, through Playwright) against the page.

Screenshots of the main screens land in artifacts/play/ (gitignored) for a reviewer to look at.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.harness import NETGUARD, REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "artifacts" / "play"
IMPORT_YAML = (
    "deck: trl\nquestions:\n  - id: custom-9\n    prompt: 'Which trainer learns from unpaired good/bad labels?'\n"
    "    choices: ['DPOTrainer', 'KTOTrainer']\n    answer: B\n    explanation: 'KTO needs no pairs.'\n"
)

pytestmark = pytest.mark.timeout(300)


def children_of(pid: int) -> set[int]:
    """Every descendant of `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@contextmanager
def playing(tmp_path: Path, *args: str) -> Iterator[str]:
    """`python -m bot play ARGS` as a user starts it; its URL. Stopped with Ctrl-C (SIGINT), leaving nothing
    running and no temporary folder (the process's TMPDIR is tmp_path/tmp)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBOT_", "DISCORD_"))}
    # The network guard refuses any non-loopback connection in the play process and in the bot it starts.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETGUARD), env.get("PYTHONPATH", "")) if p)
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(temp)
    err = open(tmp_path / "play.err", "wb")  # noqa: SIM115 - the process writes to it until the end
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "play", *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
    )
    lines: list[str] = []
    url: list[str] = []
    got_url = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            match = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if match and not url:
                url.append(match.group(0))
                got_url.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not got_url.wait(90):
            raise AssertionError(f"no URL printed: {lines} {(tmp_path / 'play.err').read_text()}")
        descendants = children_of(proc.pid)
        assert descendants, "the bot process is not running under `play`"
        yield url[0]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        finally:
            err.close()
    assert code == 0, (tmp_path / "play.err").read_text()
    deadline = time.monotonic() + 5
    while (alive := {p for p in descendants if Path(f"/proc/{p}").exists()}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive, f"Ctrl-C left processes running: {alive}"
    assert [line for line in lines if "http" in line] == [f"Playground: {url[0]}\n"]
    assert list(temp.iterdir()) == [], "the temporary folder was left behind"


@pytest.fixture
def play(tmp_path: Path) -> Iterator[str]:
    with playing(tmp_path) as url:
        yield url


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: this test drives Debian's Chromium. Install it with "
            "`apt-get update && apt-get install -y chromium` (as root), then run the test again."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def as_member(page, name: str) -> None:
    page.click(f'#players li[data-player="{name}"]')
    page.wait_for_selector(f'#players li.active[data-player="{name}"]')


def command(page, path: str, options: dict[str, str] | None = None, files: dict[str, Path] | None = None) -> None:
    page.fill("#command-input", "/" + path.split()[0])
    page.click(f'.cmd[data-command="{path}"]')
    for name, value in (options or {}).items():
        field = page.locator(f"#opt-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    for name, file in (files or {}).items():
        page.set_input_files(f"#opt-{name}", str(file))
    page.click("#send")


def test_a_newcomer_plays_a_round_adds_and_imports_questions_in_the_browser(play, browser, tmp_path):
    """Two members answer, see their private replies, the reveal comes after the timer; a moderator adds a
    question with the form and imports a YAML file; bad input gets Discord's answers."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(play) else outside.append(r.url))
    page.goto(play)
    page.wait_for_selector("#guild-name:has-text('TRL playground')")
    page.wait_for_selector("#players li[data-player='Alice']")

    # the command box lists the synced commands with their options
    page.fill("#command-input", "/quiz")
    page.wait_for_selector('.cmd[data-command="quiz trl"]')
    assert page.locator('.cmd[data-command="quiz-admin question import"]').count() == 1
    shot(page, "01-commands")

    # a range the bot declared is enforced as in Discord (emulator's option check)
    command(page, "quiz trl", {"questions": "1", "seconds": "5"})
    page.wait_for_selector("#error:has-text('below min_value 10')")
    # a number Discord's client would not take is refused, not dropped; a command needs its slash
    command(page, "quiz trl", {"questions": "1e", "seconds": "10"})
    page.wait_for_selector("#error:has-text('questions: “1e” is not a whole number')")
    page.fill("#command-input", "quiz trl")
    page.click("#send")
    page.wait_for_selector("#error:has-text('Commands start with /')")
    assert page.locator(".msg").count() == 0

    # the moderator starts a round of one question, 10 seconds
    command(page, "quiz trl", {"questions": "1", "seconds": "10"})
    question = page.locator(".msg:has(.e-title:has-text('Question 1 / 1'))").first
    question.wait_for()
    assert question.locator("button", has_text=re.compile(r"^A$")).count() == 1
    assert "in " in question.locator(".ts").first.inner_text()  # <t:…:R> rendered as "in N seconds"
    shot(page, "02-question")

    # two members answer; each sees only their own private reply, with its explanation
    as_member(page, "Alice")
    question.locator("button", has_text=re.compile(r"^A$")).click()
    alice_reply = page.locator(".msg.ephemeral").first
    alice_reply.wait_for()
    assert "Only you can see this" in alice_reply.inner_text()
    assert re.search(r"Correct|Not quite|Wrong|right|wrong", alice_reply.inner_text())
    shot(page, "03-private-reply")
    as_member(page, "Bob")
    page.wait_for_function("document.querySelectorAll('.msg.ephemeral').length === 0")
    question.locator("button", has_text=re.compile(r"^B$")).click()
    page.locator(".msg.ephemeral").first.wait_for()
    bob_text = page.locator(".msg.ephemeral").first.inner_text()
    assert "Only you can see this" in bob_text and len(bob_text) > 80  # the explanation is in it

    # a crowd answers too (of a size it can have), then the timer runs out and the post is edited live
    page.fill("#crowd-count", "0")
    page.click("#crowd-go")
    page.wait_for_selector("#crowd-status:has-text('The crowd is 1 to 200 members, not 0')")
    page.fill("#crowd-count", "6")
    page.click("#crowd-go")
    page.wait_for_selector("#crowd-status:has-text('6 of 6 answered')")
    page.wait_for_selector(".msg:has(.e-title:has-text('closed'))", timeout=30_000)
    page.locator(".msg:has(.e-title:has-text('TRL round'))").first.wait_for(timeout=15_000)
    revealed = page.locator(".msg:has(.e-title:has-text('closed'))").first
    assert revealed.locator("button:disabled").count() >= 2
    page.locator("#messages").evaluate("e => e.scrollTop = e.scrollHeight")
    shot(page, "04-reveal-and-summary")

    # the progress chart: an image attachment shown in the embed, served by the page itself
    command(page, "quiz progress")
    chart = page.locator(".msg.ephemeral img.e-image").first
    chart.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    shot(page, "05-progress-chart")

    # the reply to a command with options is in view (the options panel closing does not unpin the channel
    # from its newest message), and the line above it names the member, not an id
    page.fill("#command-input", "/quiz")
    page.click('.cmd[data-command="quiz trl"]')  # a tall options panel first: the channel shrinks
    command(page, "quiz stats", {"member": "Alice"})
    stats = page.locator(".msg:has(.invoked:has-text('used /quiz stats member: @Alice'))").last
    stats.wait_for()
    expect(stats).to_be_in_viewport()
    assert page.locator("#options").evaluate("e => e.children.length") == 0  # sent: the composer is cleared

    # a mention of someone the emulator does not know (an id from a database) is readable; a long unbroken
    # word wraps inside its embed
    assert "@member 1234" in page.evaluate("inline('<@1100000000000001234>')")
    assert page.evaluate(
        """() => {
            const e = renderEmbed({ attachments: [] }, { title: "t", description: "x".repeat(500) });
            document.getElementById("messages").append(e);
            const fits = e.scrollWidth <= e.clientWidth && e.getBoundingClientRect().width <= 520;
            e.remove();
            return fits;
        }"""
    )

    # autocomplete is answered by the bot itself
    as_member(page, "You")
    page.fill("#command-input", "/quiz-admin daily")
    page.click('.cmd[data-command="quiz-admin daily set"]')
    page.fill("#opt-timezone", "Europe/Ber")
    page.locator("#opt-timezone-list option[value='Europe/Berlin']").wait_for(state="attached")

    # a member may not use the moderators' form: the bot's refusal, privately
    as_member(page, "Chen")
    command(page, "quiz-admin question add")
    page.locator(".msg.ephemeral").first.wait_for()

    # the moderator opens the question form, fills it in, submits it
    as_member(page, "You")
    command(page, "quiz-admin question add")
    page.wait_for_selector("#modal-backdrop:not([hidden])")
    shot(page, "06-question-form")
    page.fill('[data-custom-id="prompt"]', "Which TRL trainer optimises preferences without a reward model?")
    page.fill('[data-custom-id="choices"]', "PPOTrainer\nDPOTrainer\nRewardTrainer")
    page.fill('[data-custom-id="explanation"]', "DPO optimises the policy on preference pairs directly.")
    # its selects start empty, showing their placeholders; the required one left empty blocks the submit
    assert page.locator('[data-custom-id="answer"] option:checked').inner_text() == "The correct choice"
    assert page.locator('[data-custom-id="topic"]').evaluate("s => [...s.selectedOptions].map(o => o.value)") == [""]
    forms: list[dict] = []
    page.on(
        "request", lambda r: forms.append(json.loads(r.post_data or "{}")) if r.url.endswith("/api/modal") else None
    )
    page.click("#modal-submit")
    page.wait_for_selector("#modal-error:has-text('Correct choice: this field is required')")
    assert page.locator("#modal-backdrop").is_visible() and forms == []
    page.select_option('[data-custom-id="answer"]', "B")  # the correct letter is picked from a list
    page.click("#modal-submit")
    page.wait_for_selector(".msg.ephemeral:has-text('Added')")
    assert forms[0]["values"]["answer"] == ["B"]
    assert forms[0]["values"]["topic"] == []  # the optional select left alone sends no value
    shot(page, "07-question-added")

    # a YAML import, uploaded from a file
    upload = tmp_path / "questions.yaml"
    upload.write_text(IMPORT_YAML, encoding="utf-8")
    command(page, "quiz-admin question import", files={"file": upload})
    page.wait_for_selector(".msg.ephemeral:has-text('1 added')")

    # and an export, downloaded
    command(page, "quiz-admin question export")
    link = page.locator("[data-attachment$='.yaml']").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "custom-9" in exported and "without a reward model" in exported
    page.locator("#messages").evaluate("e => e.scrollTop = e.scrollHeight")
    shot(page, "08-import-and-export")

    assert outside == [], f"the page reached beyond its own server: {outside}"
