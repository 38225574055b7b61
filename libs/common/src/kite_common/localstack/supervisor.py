"""Keeps `kite up`'s service processes running: a child that exits is started again after a pause
that doubles on each quick failure (1 s … 30 s) and resets once it has run a minute."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0

Say = Callable[[str], None]


@dataclass
class Child:
    """One supervised process: how to start it and what became of it."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    quick_failures: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives with the child
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()  # the child holds its own copy
        self.started_at = time.monotonic()
        self.restart_at = None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def check(self, say: Say, now: float | None = None) -> bool:
        """Restarts the child if it died and its pause is over; returns whether it was restarted."""
        now = time.monotonic() if now is None else now
        if self.process is None:
            return False
        code = self.process.poll()
        if code is None:
            return False
        if self.restart_at is None:
            ran = now - self.started_at
            self.quick_failures = 0 if ran >= STABLE_AFTER_S else self.quick_failures + 1
            pause = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(self.quick_failures - 1, 0))
            self.restart_at = now + pause
            say(
                f"[yellow]{self.name} exited (code {code}) after {ran:.0f} s; "
                f"restarting in {pause:.0f} s — see {self.log_path}[/]"
            )
            return False
        if now < self.restart_at:
            return False
        self.start()
        self.restarts += 1
        say(f"[green]↻[/] {self.name} restarted (pid {self.pid}, restart {self.restarts})")
        return True

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
