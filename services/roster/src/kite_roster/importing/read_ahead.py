"""Runs an import's reading side (reading.read_batches) ahead of its writing: in a thread for a small
file, or in a process of its own for a large one, so that parsing, checking, sealing and preparing get
a core of their own instead of sharing the interpreter with the writer. Either way the writer gets the
same batches, a few at most ahead of it, and a reading error (MalformedFile) comes out where it is
awaited. Leaving the context stops the reader: a thread at its next batch, a process at once."""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from kite_roster.importing import reader_process
from kite_roster.importing.readers import MalformedFile
from kite_roster.importing.reading import Batch, ImportFile, read_batches, roster_target
from kite_roster.members.adapters.pii_vault import PiiVault

_DEPTH = 2  # batches read ahead of the writer (about 3 KB a row each)
_POLL_S = 0.2


class ReaderFailed(RuntimeError):
    """The reading process failed or died (not a problem with the file: that is MalformedFile)."""


Message = tuple[Any, ...]  # as reader_process sends them: ("batch", b) ... ("end", ...) | ("malformed", ...)


def _put(out: queue.Queue[Message], message: Message, cancelled: threading.Event) -> bool:
    while not cancelled.is_set():
        try:
            out.put(message, timeout=_POLL_S)
            return True
        except queue.Full:
            pass
    return False


def _produce(batches: Callable[[], Iterator[Batch]], out: queue.Queue[Message], cancelled: threading.Event) -> None:
    """The reader thread: feeds `out` until the end of the file, an error, or cancellation."""
    try:
        for batch in batches():
            if not _put(out, ("batch", batch), cancelled):
                return
    except MalformedFile as exc:
        _put(out, ("malformed", exc.code, exc.message), cancelled)
    except BaseException:
        _put(out, ("error", traceback.format_exc()), cancelled)
    else:
        _put(out, ("end",), cancelled)


class ReadAhead:
    """`async with ReadAhead(...) as batches: async for batch in batches: ...`"""

    def __init__(self, file: ImportFile, vault: PiiVault, batch_rows: int, skip: int, *, processes: int = 0) -> None:
        self._file, self._vault, self._batch_rows, self._skip = file, vault, batch_rows, skip
        self.processes = processes  # 0: read in a thread
        self._done = False
        # In a thread:
        self._queue: queue.Queue[Message] = queue.Queue(maxsize=_DEPTH)
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None
        # In processes (batch n comes from process n % processes):
        self._processes: list[asyncio.subprocess.Process] = []
        self._next: list[asyncio.Task[Message]] = []
        self._turn = 0

    async def __aenter__(self) -> ReadAhead:
        try:
            await self._start()
        except BaseException:  # cancelled while starting, say: stop whatever has started
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start(self) -> None:
        if self.processes:
            for part in range(self.processes):
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    reader_process.__name__,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
                self._processes.append(process)
                assert process.stdin is not None
                job = reader_process.ReaderJob(
                    self._file, self._vault.protector, self._batch_rows, self._skip, part, self.processes
                )
                process.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
                await process.stdin.drain()
                process.stdin.close()
                self._next.append(asyncio.create_task(self._receive(process)))
        else:
            registry, projections = roster_target()
            file, vault, rows, skip = self._file, self._vault, self._batch_rows, self._skip
            self._thread = threading.Thread(
                target=_produce,
                args=(
                    lambda: read_batches(file, vault, registry, projections, rows, skip),
                    self._queue,
                    self._cancelled,
                ),
                name="kite-import-reader",
                daemon=True,
            )
            self._thread.start()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._cancelled.set()
        for task in self._next:
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for process in self._processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            # Not wait(): before Python 3.12 it also waits for stdout to be read to its end.
            await process.communicate()
        if self._thread is not None:
            self._drain()  # a producer waiting to put sees the cancellation
            await asyncio.to_thread(self._thread.join, 10)

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get(block=False)
            except queue.Empty:
                return

    def __aiter__(self) -> ReadAhead:
        return self

    async def __anext__(self) -> Batch:
        if self._done:
            raise StopAsyncIteration
        if self._processes:
            turn = self._turn
            message = await self._next[turn]
            if message[0] == "batch":  # its next one, while this is written
                self._next[turn] = asyncio.create_task(self._receive(self._processes[turn]))
                self._turn = (turn + 1) % len(self._processes)
        else:
            message = await asyncio.to_thread(self._from_thread)
        kind = message[0]
        if kind == "batch":
            batch: Batch = message[1]
            return batch
        self._done = True
        if kind == "end":
            raise StopAsyncIteration
        if kind == "malformed":
            raise MalformedFile(message[2], message[1])
        raise ReaderFailed(f"import reader failed:\n{message[1]}")

    async def _receive(self, process: asyncio.subprocess.Process) -> Message:
        assert process.stdout is not None
        try:
            (size,) = reader_process.HEADER.unpack(await process.stdout.readexactly(reader_process.HEADER.size))
            data = await process.stdout.readexactly(size)
        except asyncio.IncompleteReadError:
            code = await process.wait()
            raise ReaderFailed(f"import reader ended without finishing (exit code {code})") from None
        message: Message = pickle.loads(data)  # noqa: S301 - from our own child process
        return message

    def _from_thread(self) -> Message:
        while True:
            try:
                return self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                if self._thread is None or not self._thread.is_alive():
                    try:  # its last words may still be on the way
                        return self._queue.get(timeout=1.0)
                    except queue.Empty:
                        raise ReaderFailed("import reader thread ended without finishing") from None
