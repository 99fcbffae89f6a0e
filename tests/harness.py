"""Run the bot as its own process, exactly as users do (`python -m bot`), against a DiscordEmulator."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from discord_loopback import DiscordEmulator

REPO_ROOT = Path(__file__).resolve().parents[1]
NETGUARD = Path(__file__).resolve().parent / "emulator" / "netguard"


class BotProcess:
    def __init__(
        self,
        emu: DiscordEmulator,
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        content_dir: Path | None = None,
        argv: list[str] | None = None,
    ) -> None:
        self.emu = emu
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.workdir / "quiz.sqlite3"
        self.log_path = self.workdir / "bot.log"
        self.content_dir = content_dir or REPO_ROOT / "content"
        self.extra_env = dict(env or {})
        self.argv = argv or [sys.executable, "-m", "bot"]
        self.proc: asyncio.subprocess.Process | None = None
        self._log_file: IO[bytes] | None = None
        self._stopping = False
        self.starts = 0

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in [k for k in env if k.startswith(("QUIZBOT_", "DISCORD_"))]:
            del env[key]
        env.update(
            {
                "DISCORD_TOKEN": self.emu.token,
                "QUIZBOT_API_BASE_URL": self.emu.api_base_url,
                "QUIZBOT_DATABASE": str(self.db_path),
                "QUIZBOT_CONTENT_DIR": str(self.content_dir),
                "QUIZBOT_LOG_LEVEL": "DEBUG",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETGUARD), env.get("PYTHONPATH", "")) if p)
        return env

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode if self.proc is not None else None

    @property
    def crashed(self) -> bool:
        """The process ended without stop() or kill() asking it to."""
        return self.proc is not None and self.proc.returncode is not None and not self._stopping

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self, *, wait: bool = True, timeout: float = 30) -> None:
        if self.running:
            raise RuntimeError("bot process already running")
        self._log_file = self._open_log()
        self._stopping = False
        before = self.emu.session_number
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=REPO_ROOT,
            env=self._env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.starts += 1
        if wait:
            await self.wait_ready(timeout=timeout, newer_than=before)

    async def wait_ready(self, *, timeout: float = 30, newer_than: int = 0) -> None:
        """Wait for a new gateway session; fail fast, with the log tail, if the process exits first."""
        assert self.proc is not None
        session = asyncio.ensure_future(self.emu.wait_for_session(timeout, newer_than=newer_than))
        exited = asyncio.ensure_future(self.proc.wait())
        try:
            await asyncio.wait({session, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exited.cancel()
        if session.done():
            session.result()
            return
        session.cancel()
        with contextlib.suppress(BaseException):
            await session
        raise RuntimeError(f"bot exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}")

    async def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM, then SIGKILL if the process has not exited after `timeout` seconds."""
        if self.proc is None:
            return None
        self._stopping = True
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        self._close_log()
        return self.proc.returncode

    async def kill(self) -> None:
        self._stopping = True
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()
        self._close_log()

    async def restart(self, *, timeout: float = 30) -> None:
        await self.stop()
        await self.start(timeout=timeout)

    def _open_log(self) -> IO[bytes]:
        log = open(self.log_path, "ab")  # noqa: SIM115 - stays open while the process writes to it
        log.write(f"\n===== start #{self.starts + 1}: {' '.join(self.argv)} =====\n".encode())
        log.flush()
        return log

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


@contextlib.asynccontextmanager
async def running(proc: BotProcess, *, timeout: float = 30) -> AsyncIterator[BotProcess]:
    """Start the process, hand it to the test, stop it; then fail if it died by itself or logged the token."""
    try:
        await proc.start(timeout=timeout)
    except BaseException:
        await proc.kill()
        raise
    try:
        yield proc
    finally:
        crashed = proc.crashed
        await proc.stop()
    assert not crashed, f"the bot exited by itself with {proc.returncode}:\n{proc.log_tail()}"
    assert proc.emu.token not in proc.log_text(), f"the bot token leaked into {proc.log_path}"
