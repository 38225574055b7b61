from __future__ import annotations


class ConcurrencyConflict(Exception):
    """Someone else appended to the stream first: reload and decide again (HTTP 409)."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} is no longer at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version
