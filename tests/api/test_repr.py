"""Text and HTML rendering of DataFrame and Series (polars-style boxes)."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import unicodedata

import pyarrow as pa
import pytest
from hypothesis import given

import frame as fr
from frame.testing import strategies as fst

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("FRAME_REPR_ROWS") or os.environ.get("FRAME_REPR_COLS")),
    reason="expects the default repr limits (10 rows, 8 columns)",
)


def display_width(text: str) -> int:
    """Terminal cells: East Asian wide/fullwidth characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def box_lines(text: str) -> list[str]:
    return text.splitlines()[1:]  # skip "shape: (h, w)"


def test_basic_layout() -> None:
    out = repr(fr.DataFrame({"id": [1, 2, 3], "city": ["Oslo", None, "Lima"]}))
    assert out == (
        "shape: (3, 2)\n"
        "┌─────┬────────┐\n"
        "│ id  ┆ city   │\n"
        "│ i64 ┆ str    │\n"
        "╞═════╪════════╡\n"
        '│ 1   ┆ "Oslo" │\n'
        "│ 2   ┆ null   │\n"
        '│ 3   ┆ "Lima" │\n'
        "└─────┴────────┘"
    )
    assert str(fr.DataFrame({"id": [1]})) == repr(fr.DataFrame({"id": [1]}))


def test_values_are_formatted_by_type() -> None:
    out = repr(
        fr.DataFrame(
            {
                "f": [float("nan"), -0.0, float("inf"), None],
                "b": [True, False, None, True],
                "by": [b"\x00", None, b"ab", b""],
                "d": [dt.date(2020, 1, 2), None, None, None],
                "dec": pa.array([decimal.Decimal("1.50"), None, None, None], pa.decimal128(5, 2)),
            }
        )
    )
    for cell in ("NaN", "-0.0", "inf", "null", "true", "false", "b'\\x00'", "2020-01-02", "1.50"):
        assert cell in out
    assert "│ f64 " in out and "bool" in out and "decimal(5, 2)" in out


def test_type_names() -> None:
    out = repr(
        fr.DataFrame(
            {
                "c": pa.array(["u"]).dictionary_encode(),
                "v": pa.array(["v"], pa.string_view()),
                "t": pa.array([0], pa.timestamp("ns", "UTC")),
                "n": pa.nulls(1),
                "u": pa.array([1], pa.uint8()),
            }
        )
    )
    for name in ("cat", "str_view", "datetime[ns, UTC]", "null", "u8"):
        assert name in out


def test_newlines_are_escaped_and_long_cells_truncated() -> None:
    out = repr(fr.DataFrame({"s": ["a\nb", "x" * 100]}))
    assert '"a\\nb"' in out
    assert "…" in out
    assert max(len(line) for line in out.splitlines()) < 60


def test_long_frames_show_head_and_tail() -> None:
    out = repr(fr.DataFrame({"a": list(range(25))}))
    assert out.startswith("shape: (25, 1)")
    cells = [line.strip("│ ").strip() for line in out.splitlines()[5:-1]]
    assert cells == ["0", "1", "2", "3", "4", "…", "20", "21", "22", "23", "24"]


def test_wide_frames_elide_middle_columns() -> None:
    out = repr(fr.DataFrame({f"c{i}": [i] for i in range(12)}))
    header = out.splitlines()[2]
    assert "c0" in header and "c11" in header and "…" in header
    assert "c5 " not in header


def test_empty_frames() -> None:
    assert repr(fr.DataFrame()).startswith("shape: (0, 0)")
    out = repr(fr.DataFrame({"a": pa.array([], pa.int64())}))
    assert out.splitlines()[0] == "shape: (0, 1)"
    assert "i64" in out


def test_box_lines_have_equal_width_ascii() -> None:
    out = repr(fr.DataFrame({"a": [1, 22, None], "bb": ["x", "yyyy", ""]}))
    widths = {display_width(line) for line in box_lines(out)}
    assert len(widths) == 1


def test_box_lines_have_equal_width_with_wide_characters() -> None:
    # regression: column widths used len() instead of the display width, so CJK text and emoji (two
    # terminal cells each) push the right border out of line
    out = repr(fr.DataFrame({"日本": ["日本語テキスト", "😀"], "e": ["e\u0301", "x"]}))
    widths = {display_width(line) for line in box_lines(out)}
    assert len(widths) == 1, out


def test_html_is_escaped() -> None:
    html = fr.DataFrame({"<a>": ["<script>&"]})._repr_html_()
    assert "<script>" not in html
    assert "&lt;a&gt;" in html and "&lt;script&gt;&amp;" in html
    assert "shape: (1, 1)" in html


def test_series_repr() -> None:
    out = repr(fr.Series("x", [1, None, 3]))
    assert out == "shape: (3,)\nSeries: 'x' [i64]\n[\n\t1\n\tnull\n\t3\n]"
    long = repr(fr.Series("x", list(range(12))))
    assert "\t…" in long and "\t11" in long and "\t6\n" not in long


def test_repr_does_not_depend_on_chunking() -> None:
    values = [1, None, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    chunked = fr.DataFrame({"a": pa.chunked_array([values[:3], [], values[3:]])})
    sliced = fr.DataFrame({"a": pa.array([0, *values, 0]).slice(1, len(values))})
    plain = fr.DataFrame({"a": values})
    assert repr(chunked) == repr(plain) == repr(sliced)


@given(table=fst.tables())
def test_repr_never_fails(table: pa.Table) -> None:
    d = fr.DataFrame(table)
    out = repr(d)
    assert out.startswith(f"shape: ({table.num_rows}, {table.num_columns})")
    assert d._repr_html_().startswith("<div>")
    for name in table.column_names:
        repr(d[name])
