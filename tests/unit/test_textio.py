"""`spoofscope.textio`: UTF-8 without the byte-order mark, and decoding errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.errors import TextDecodeError
from spoofscope.textio import open_text, read_text

BOM = b"\xef\xbb\xbf"
LINE = "LA_0079 LA_T_1000137 - - bonafide\n"


def test_read_text_drops_a_leading_mark_only(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes(BOM + LINE.encode() + BOM + LINE.encode())
    # A mark inside the text is a character of the text (U+FEFF), not an encoding signature.
    assert read_text(path) == LINE + "\ufeff" + LINE


def test_open_text_finds_a_bad_byte_far_past_the_decoders_first_chunk(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    body = (LINE * 5000).encode()  # ~170 kB: the decoder reads it in chunks of a few kB
    path.write_bytes(BOM + body + b"LA_0080 LA_T_1\xe9 - - bonafide\n")
    with pytest.raises(TextDecodeError) as caught, open_text(path) as f:
        for _ in f:
            pass
    offset = len(BOM) + len(body) + len("LA_0080 LA_T_1")
    assert (caught.value.line, caught.value.offset) == (5001, offset)
    assert caught.value.why == f"byte 0xe9 at offset {offset} is not UTF-8; save the file as UTF-8"


def test_open_text_keeps_carriage_returns_for_the_csv_reader(tmp_path: Path) -> None:
    path = tmp_path / "meta.csv"
    path.write_bytes(BOM + b"file,speaker,label\r\n0.wav,Alec Guinness,spoof\r\n")
    with open_text(path, newline="") as f:
        assert f.read() == "file,speaker,label\r\n0.wav,Alec Guinness,spoof\r\n"


def test_a_decoding_error_of_other_bytes_is_not_blamed_on_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text(LINE, encoding="utf-8")
    with pytest.raises(UnicodeDecodeError), open_text(path) as f:
        f.read()
        b"\xe9".decode("utf-8")
