"""Bytes in arbitrary pieces: drawn streams carry where the network cuts them, `as_reply`
delivers exactly those pieces (in process and live), and so does the ``split`` fault."""

from __future__ import annotations

import codecs
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import replace

import httpx
import pytest
from helpers import AUTH, HELLO, post
from hypothesis import Phase, given, settings
from hypothesis.strategies import SearchStrategy

from mockserver import Config, MockAPI, Service, Split, StreamFault, mock_aimlapi, strategies
from mockserver._adapters.server import LiveServer
from mockserver._control import scenario_files
from mockserver._control.scenario_files import HEADER, SpecError
from mockserver.strategies import StreamVariant, as_reply

STREAM = {**HELLO, "stream": True}
Reader = Callable[[Iterator[bytes]], dict[int, str]]


def _content(events: list[str], texts: dict[int, str]) -> bool:
    """Add each data line's content deltas to `texts`; False once an error event came."""
    for data in events:
        if data == "[DONE]":
            continue
        chunk = json.loads(data)
        if "error" in chunk:
            return False
        for choice in chunk["choices"]:
            piece = choice["delta"].get("content")
            texts[choice["index"]] = texts.get(choice["index"], "") + (piece or "")
    return True


def careful(reads: Iterator[bytes]) -> dict[int, str]:
    """Decodes incrementally and keeps a partial line until its end comes."""
    decoder, buffer, texts = codecs.getincrementaldecoder("utf-8")(), "", {}
    for read in reads:
        buffer += decoder.decode(read)
        *lines, buffer = buffer.replace("\r\n", "\n").split("\n")
        datas = [line[5:].removeprefix(" ") for line in lines if line.startswith("data:")]
        if not _content(datas, texts):
            break
    return texts


def decodes_each_read(reads: Iterator[bytes]) -> dict[int, str]:
    """The bug: ``read.decode()`` per network read breaks a character cut in two."""
    buffer, texts = "", {}
    for read in reads:
        buffer += read.decode("utf-8")
        *lines, buffer = buffer.replace("\r\n", "\n").split("\n")
        datas = [line[5:].removeprefix(" ") for line in lines if line.startswith("data:")]
        if not _content(datas, texts):
            break
    return texts


def drops_partial_lines(reads: Iterator[bytes]) -> dict[int, str]:
    """The bug: each read is parsed on its own; a line cut in two is skipped."""
    decoder, texts = codecs.getincrementaldecoder("utf-8")(), {}
    for read in reads:
        datas = []
        for line in decoder.decode(read).replace("\r\n", "\n").split("\n"):
            if line.startswith("data:"):
                try:
                    json.loads(line[5:])
                except json.JSONDecodeError:
                    continue
                datas.append(line[5:].strip())
        if not _content(datas, texts):
            break
    return texts


def expected(variant: StreamVariant) -> dict[int, str]:
    return {c["index"]: c["message"]["content"] or "" for c in variant.completion["choices"]}


def served(mock: MockAPI, variant: StreamVariant, reader: Reader) -> dict[int, str]:
    mock.reset()
    mock.stub(as_reply(variant))
    with (
        httpx.Client(base_url=mock.base_url) as client,
        client.stream("POST", "/chat/completions", json=STREAM, headers=AUTH) as response,
    ):
        texts = reader(response.iter_bytes())
    return {i: t for i, t in texts.items() if t}


def run(
    reader: Reader, variants: SearchStrategy[StreamVariant] | None = None, examples: int = 25
) -> None:
    with mock_aimlapi() as mock:

        @settings(phases=[Phase.generate], max_examples=examples)
        @given(variant=strategies.chat_completion_streams() if variants is None else variants)
        def check(variant: StreamVariant) -> None:
            want = {i: t for i, t in expected(variant).items() if t}
            assert served(mock, variant, reader) == want

        check()


def test_a_careful_client_reads_every_drawn_stream_whatever_the_cuts() -> None:
    run(careful)


@pytest.mark.parametrize("reader", [decodes_each_read, drops_partial_lines])
def test_drawn_cuts_catch_clients_that_do_not_buffer_across_reads(reader: Reader) -> None:
    with pytest.raises((AssertionError, UnicodeDecodeError)):
        run(reader, examples=100)


def test_the_same_buggy_clients_pass_when_nothing_is_cut() -> None:
    def both(reads: Iterator[bytes]) -> dict[int, str]:
        first, second = itertools.tee(reads)
        texts = decodes_each_read(first)
        assert drops_partial_lines(second) == texts
        return texts

    run(both, strategies.chat_completion_streams().map(lambda v: replace(v, cuts=())), 15)


def test_drawn_cuts_reach_the_awkward_places() -> None:
    seen: set[str] = set()

    @settings(max_examples=200, phases=[Phase.generate])
    @given(variant=strategies.chat_completion_streams())
    def look(variant: StreamVariant) -> None:
        data = variant.transcript
        assert b"".join(variant.pieces) == data
        assert all(variant.pieces) and list(variant.cuts) == sorted(set(variant.cuts))
        for at in variant.cuts:
            if data[at] & 0xC0 == 0x80:
                seen.add("utf-8")
            if data[at - 1 : at + 1] == b"\r\n":
                seen.add("crlf")
            if b"data:" in data[max(0, at - 4) : at + 4] and data[at - 1 : at + 4] != b"data:":
                seen.add("data:")

    look()
    assert seen == {"utf-8", "crlf", "data:"}


def test_in_process_each_piece_is_one_read() -> None:
    variant = StreamVariant(b'data: {"a":"\xc3\xa9"}\n\ndata: [DONE]\n\n', {}, None, (3, 14, 21))
    with mock_aimlapi() as mock, httpx.Client(base_url=mock.base_url) as client:
        mock.stub(as_reply(variant))
        with client.stream("POST", "/chat/completions", json=STREAM, headers=AUTH) as response:
            assert list(response.iter_bytes()) == variant.pieces


def test_live_each_piece_is_one_write() -> None:
    transcript = b'data: {"a":"\xc3\xa9"}\n\ndata: [DONE]\n\n'
    with LiveServer(Service(Config(seed=1))) as live, httpx.Client() as client:
        # The pause lets each write arrive on its own over loopback.
        live.service.stub(as_reply(StreamVariant(transcript, {}, None)))
        live.service.fault(stream=StreamFault(split=Split(at=(14,), pause=0.2)))
        url = f"{live.base_url}/chat/completions"
        with client.stream("POST", url, json=STREAM, headers=AUTH) as response:
            reads = list(response.iter_raw())
    assert b"".join(reads) == transcript
    assert reads[0] == transcript[:14]


def pieces_of(service: Service, **headers: str) -> list[bytes]:
    outcome = post(service, STREAM, {**AUTH, **headers})
    assert outcome.stream is not None
    return [data for _, data in outcome.stream if data is not None]


@pytest.mark.parametrize(
    ("header", "sizes"),
    [("split=bytes", {1}), ("split=every:7", {7}), ("split=at:3:10", None)],
)
def test_the_split_header_cuts_a_generated_stream(header: str, sizes: set[int] | None) -> None:
    # A fixed clock: two services answer the same bytes even across a second boundary.
    whole = b"".join(pieces_of(Service(Config(seed=2, clock=lambda: 1.7e9))))
    pieces = pieces_of(Service(Config(seed=2, clock=lambda: 1.7e9)), **{HEADER: header})
    assert b"".join(pieces) == whole
    if sizes is not None:
        assert {len(p) for p in pieces[:-1]} == sizes
    else:
        assert [len(p) for p in pieces[:2]] == [3, 7]


def test_split_in_a_scenario_file_and_its_errors() -> None:
    scenario = scenario_files.parse(
        {"faults": [{"stream": {"split": {"every": 5, "pause": 0.01}}}, {"stream": {"split": [4]}}]}
    )
    assert [f.stream.split for f, _ in scenario.faults if f.stream] == [
        Split(every=5, pause=0.01),
        Split(at=(4,)),
    ]
    with pytest.raises(SpecError, match=r"split"):
        scenario_files.parse({"faults": [{"stream": {"split": {"every": 0}}}]})
    with pytest.raises(SpecError, match=r"split must be bytes, every:N or at:N:N"):
        scenario_files.header_fault("split=7")
