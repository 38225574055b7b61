"""The reading side of a large import in a process of its own: `python -m kite_roster.importing.reader_process`.

The parent (read_ahead.ReadAhead) starts one or more of these on the same file (each makes every
parts-th batch), writes each one pickled ReaderJob to its stdin and reads messages from its stdout,
each an 8-byte length and a pickle: ("batch", Batch)..., then ("end",) or ("malformed", code,
message) or ("error", traceback). Writing to the pipe blocks while the
parent is busy, so the reader stays about one batch ahead. The keys arrive over the pipe, never in the
command line or the environment. Anything printed goes to stderr: stdout is the message channel.
"""

from __future__ import annotations

import contextlib
import gc
import pickle
import struct
import sys
import traceback
from dataclasses import dataclass
from typing import Any, BinaryIO

from kite_common.privacy import FieldProtector

from kite_roster.importing.readers import MalformedFile
from kite_roster.importing.reading import ImportFile

HEADER = struct.Struct("<Q")


@dataclass(frozen=True)
class ReaderJob:
    file: ImportFile
    protector: FieldProtector
    batch_rows: int
    skip: int
    part: int = 0
    parts: int = 1


def send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)))
    out.write(data)
    out.flush()


def run(job: ReaderJob, out: BinaryIO) -> None:
    from kite_roster.importing.reading import read_batches, roster_target
    from kite_roster.members.adapters.pii_vault import PiiVault

    registry, projections = roster_target()
    vault = PiiVault(job.protector)
    try:
        for batch in read_batches(
            job.file,
            vault,
            registry,
            projections,
            job.batch_rows,
            job.skip,
            job.part,
            job.parts,
        ):
            send(out, ("batch", batch))
    except MalformedFile as exc:
        send(out, ("malformed", exc.code, exc.message))
        return
    except Exception:
        send(out, ("error", traceback.format_exc()))
        return
    send(out, ("end",))


def main() -> None:
    gc.disable()  # as in the writer (pipeline._no_cycle_collection): batches are acyclic
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    job = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by our own parent process
    with contextlib.suppress(BrokenPipeError):  # the parent stopped reading: it has stopped the import
        run(job, out)


if __name__ == "__main__":
    main()
