"""How the command line fails and stops: one line, an exit code, no hang.

Exit codes: 0 done; 1 the world failed (network, a lock held elsewhere, a full disk); 2 bad input or
settings; 128 + the signal's number when Ctrl-C or SIGTERM stopped a command half-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator

log = logging.getLogger("bot")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STRAY_THREAD_WAIT_S = 2.0


class CommandError(Exception):
    """A mistake the operator can fix (exit 2) or a failure of the world (exit 1), said in one line."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Interrupted(CommandError):
    """Ctrl-C or SIGTERM stopped a command half-way; the message says in which state things were left."""


class Stop:
    """Ctrl-C and SIGTERM as a request to stop: remembered, acted on by what the command registered.

    Commands look at ``requested`` between steps and say in which state they left things; actions
    (interrupting the SQLite statement, closing the Discord client) make a long step end at once. A
    second signal means the operator won't wait: the process exits on the spot.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._actions: list[Callable[[], object]] = []

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else "stop"

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    def on_stop(self, action: Callable[[], object]) -> None:
        self._actions.append(action)
        if self.requested:
            action()

    @contextlib.contextmanager
    def meanwhile(self, action: Callable[[], object]) -> Iterator[None]:
        """Take ``action`` on a stop only while the block runs (interrupting SQLite suits a migration, not the
        answers of a running bot, which finish their transactions while it closes)."""
        self.on_stop(action)
        try:
            yield
        finally:
            self._actions.remove(action)

    def request(self, signum: int) -> None:
        if self.requested:
            say(f"\n{signal.Signals(signum).name} again: exiting at once")
            os._exit(128 + signum)
        self.signum = signum
        for action in self._actions:
            action()

    @contextlib.contextmanager
    def handling_signals(self) -> Iterator[Stop]:
        """For commands without an event loop; the handler runs between Python steps of the main thread."""
        previous = {sig: signal.signal(sig, lambda signum, _frame: self.request(signum)) for sig in STOP_SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @classmethod
    def on_signals_in(cls, loop: asyncio.AbstractEventLoop) -> Stop:
        """A Stop fed by the loop's signal handlers, which stay until the loop closes (with the command)."""
        stop = cls()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.request, sig)
        return stop


def say(line: str) -> None:
    """A line for the operator on stderr, out at once (the process may exit right after)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def in_background(coroutine_function: Callable[[], Awaitable[object]]) -> Callable[[], object]:
    """An action that starts a coroutine (e.g. interrupting SQLite) from a signal handler of the loop."""
    return lambda: asyncio.ensure_future(coroutine_function())


class _Signalled(KeyboardInterrupt):
    """Ctrl-C or SIGTERM before a command installed its own handling; remembers which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum: int, _frame: object) -> None:
    raise _Signalled(signum)


def guarded(main: Callable[[], int]) -> int:
    """Run the command; turn any exception into one line and an exit code (a traceback only at DEBUG)."""
    # Until a command installs its own handling, Ctrl-C and SIGTERM stop it through the same cleanup (the
    # default would kill the process without a word on SIGTERM), and the exit code says which signal it was.
    previous = {sig: signal.signal(sig, _raise_signalled) for sig in STOP_SIGNALS}
    try:
        return _run_guarded(main)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_guarded(main: Callable[[], int]) -> int:
    try:
        return main()
    except KeyboardInterrupt as exc:
        # Commands that only read (insights, verify-content) or write in one transaction (rebuild-reviews)
        # have nothing half-done to report.
        signum = exc.signum if isinstance(exc, _Signalled) else signal.SIGINT
        say(f"interrupted by {signal.Signals(signum).name}; nothing was changed")
        return 128 + signum
    except Exception as exc:
        code = getattr(exc, "exit_code", None)
        debugging = logging.getLogger().isEnabledFor(logging.DEBUG)
        if isinstance(code, int):
            # DatabaseProblem, CommandError and the like: the message is the whole story.
            log.debug("details", exc_info=True)
            say(f"{exc}" if isinstance(exc, Interrupted) else f"error: {exc}")
            return code
        if debugging:
            raise
        say(f"error: unexpected {type(exc).__name__}: {exc} (run with QUIZBOT_LOG_LEVEL=DEBUG for the traceback)")
        return 1


def exit_without_hanging(code: int) -> None:
    """Exit with ``code`` even if a worker thread (an unclosed SQLite connection) would keep the process alive."""
    sys.stdout.flush()
    sys.stderr.flush()
    stray = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in stray:
        thread.join(STRAY_THREAD_WAIT_S / max(1, len(stray)))
    if any(t.is_alive() for t in stray):
        log.debug("threads still running at exit: %s", ", ".join(t.name for t in stray if t.is_alive()))
        logging.shutdown()
        os._exit(code)
    sys.exit(code)
