"""guarded(): what a command says and returns when a signal or an error ends it before its own handling."""

import os
import signal
import time

import pytest

from bot.cli import CommandError, guarded


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_before_a_command_handles_its_own_is_one_line_and_128_plus_its_number(sig, capsys):
    def main() -> int:
        os.kill(os.getpid(), sig)
        time.sleep(5)  # the handler interrupts this at once
        return 0

    before = signal.getsignal(sig)
    started = time.monotonic()
    assert guarded(main) == 128 + sig
    assert time.monotonic() - started < 2
    assert capsys.readouterr().err == f"interrupted by {sig.name}; nothing was changed\n"
    assert signal.getsignal(sig) is before  # the process's own handlers are back


def test_a_command_error_is_its_line_and_its_code(capsys):
    def main() -> int:
        raise CommandError("QUIZBOT_X is wrong; set it right", exit_code=2)

    assert guarded(main) == 2
    assert capsys.readouterr().err == "error: QUIZBOT_X is wrong; set it right\n"


def test_anything_else_is_one_line_naming_it_and_exit_1(capsys):
    def main() -> int:
        raise ValueError("boom")

    assert guarded(main) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected ValueError: boom") and len(err.splitlines()) == 1
