"""A form's hidden version as the If-Match every changing form sends (no I/O)."""

from __future__ import annotations

from kite_console.web.forms import if_match
from starlette.datastructures import FormData


def test_the_version_the_page_was_shown_at_is_sent_as_a_strong_etag() -> None:
    assert if_match(FormData({"version": "7"})) == '"7"'
    assert if_match(FormData({"version": " 12 "})) == '"12"'


def test_a_missing_or_edited_version_sends_no_if_match() -> None:
    for form in (
        FormData({}),
        FormData({"version": ""}),
        FormData({"version": '7", W/"8'}),
        FormData({"version": "٣"}),
    ):
        assert if_match(form) is None
