"""What a web process's loop does with a request it is receiving, before a thread takes it."""

import pytest

from openivan.platform.receiving import (
    CONTINUE,
    HEAD_LIMIT,
    HEAD_TOO_LARGE,
    LENGTH_REQUIRED,
    Incoming,
    Next,
)

MAX_BODY = 1000


def request(*headers: str, body: bytes = b"") -> bytes:
    head = ["POST /api/v1/dossiers HTTP/1.1", "Host: x", *headers, "", ""]
    return "\r\n".join(head).encode() + body


def received(*pieces: bytes) -> list[tuple[Next, bytes]]:
    incoming = Incoming(MAX_BODY)
    return [incoming.add(piece) for piece in pieces]


def test_a_request_without_a_body_goes_to_a_thread_once_its_head_ends():
    whole = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert received(whole[:-1], whole[-1:]) == [(Next.WAIT, b""), (Next.THREAD, b"")]


@pytest.mark.parametrize("header", ["Content-Length: 5", "content-length:5",
                                    "CONTENT-LENGTH:  5 "])
def test_a_body_goes_to_a_thread_only_when_it_is_here_whole(header):
    whole = request(header, body=b"<?xml")
    assert received(whole[:-1], whole[-1:]) == [(Next.WAIT, b""), (Next.THREAD, b"")]


def test_a_request_cut_into_single_bytes_goes_to_a_thread_at_its_last():
    # The end of the head falls across pieces: it is still found.
    whole = request("Content-Length: 5", body=b"<?xml")
    steps = received(*(whole[n:n + 1] for n in range(len(whole))))
    assert steps[:-1] == [(Next.WAIT, b"")] * (len(whole) - 1)
    assert steps[-1] == (Next.THREAD, b"")


def test_a_client_waiting_for_100_continue_is_told_once():
    waiting = request("Content-Length: 5", "Expect: 100-continue")
    assert received(waiting, b"<?x", b"ml") == [
        (Next.WAIT, CONTINUE), (Next.WAIT, b""), (Next.THREAD, b"")]


def test_a_client_that_sent_its_body_anyway_is_not_told_to_continue():
    whole = request("Content-Length: 5", "Expect: 100-continue", body=b"<?xml")
    assert received(whole) == [(Next.THREAD, b"")]


def test_a_body_declared_larger_than_the_intake_takes_goes_unread_to_a_thread_that_answers_last():
    assert received(request(f"Content-Length: {MAX_BODY + 1}")) == [(Next.LAST, b"")]


def test_a_body_of_no_declared_length_is_refused():
    assert received(request("Transfer-Encoding: chunked")) == [(Next.REFUSE, LENGTH_REQUIRED)]


def test_a_head_longer_than_the_limit_is_refused():
    endless = b"GET / HTTP/1.1\r\nX-Long: " + b"x" * HEAD_LIMIT
    assert received(endless[:HEAD_LIMIT], endless[HEAD_LIMIT:]) == [
        (Next.WAIT, b""), (Next.REFUSE, HEAD_TOO_LARGE)]
