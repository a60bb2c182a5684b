"""What a web process's loop does with a request it is receiving, before a thread takes it."""

import pytest

from openivan.conf.receiving import (
    CONTINUE,
    HEAD_LIMIT,
    HEAD_TOO_LARGE,
    LENGTH_REQUIRED,
    Next,
    examine,
)

MAX_BODY = 1000


def request(*headers: str, body: bytes = b"") -> bytes:
    head = ["POST /api/v1/dossiers HTTP/1.1", "Host: x", *headers, "", ""]
    return "\r\n".join(head).encode() + body


def test_a_head_not_yet_ended_waits():
    assert examine(request("Content-Length: 3")[:-4], MAX_BODY, False) == (Next.WAIT, b"")


def test_a_request_without_a_body_goes_to_a_thread_once_its_head_ends():
    assert examine(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", MAX_BODY, False) == (Next.THREAD, b"")


@pytest.mark.parametrize("header", ["Content-Length: 5", "content-length:5", "CONTENT-LENGTH:  5 "])
def test_a_body_goes_to_a_thread_only_when_it_is_here_whole(header):
    assert examine(request(header, body=b"<?xm"), MAX_BODY, False) == (Next.WAIT, b"")
    assert examine(request(header, body=b"<?xml"), MAX_BODY, False) == (Next.THREAD, b"")


def test_a_client_waiting_for_100_continue_is_told_once():
    waiting = request("Content-Length: 5", "Expect: 100-continue")
    assert examine(waiting, MAX_BODY, False) == (Next.WAIT, CONTINUE)
    assert examine(waiting, MAX_BODY, True) == (Next.WAIT, b"")
    assert examine(waiting + b"<?xml", MAX_BODY, True) == (Next.THREAD, b"")


def test_a_body_declared_larger_than_the_intake_takes_goes_unread_to_a_thread_that_answers_last():
    assert examine(request(f"Content-Length: {MAX_BODY + 1}"), MAX_BODY, False) == (Next.LAST, b"")


def test_a_body_of_no_declared_length_is_refused():
    assert examine(request("Transfer-Encoding: chunked"), MAX_BODY, False) == (
        Next.REFUSE, LENGTH_REQUIRED)


def test_a_head_longer_than_the_limit_is_refused():
    endless = b"GET / HTTP/1.1\r\nX-Long: " + b"x" * HEAD_LIMIT
    assert examine(endless, MAX_BODY, False) == (Next.REFUSE, HEAD_TOO_LARGE)
    assert examine(endless[:HEAD_LIMIT], MAX_BODY, False) == (Next.WAIT, b"")
