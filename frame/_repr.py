"""Text and HTML rendering of frames (head and tail rows, column types, truncated cells)."""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
import unicodedata
from typing import Any

import pyarrow as pa

from frame.dtypes import type_name

MAX_ROWS = int(os.environ.get("FRAME_REPR_ROWS", "10"))
MAX_COLS = int(os.environ.get("FRAME_REPR_COLS", "8"))
MAX_CELL = 28


def display_width(text: str) -> int:
    """Terminal columns ``text`` occupies (wide East Asian characters and emoji take two)."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def format_value(value: Any) -> str:
    """One cell as text: null, NaN, floats without noise, strings quoted like polars."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        return text
    if isinstance(value, str):
        text = f'"{value}"'
    elif isinstance(value, bytes):
        text = "b" + repr(value)[1:]
    elif isinstance(value, _dt.datetime):
        text = value.isoformat(sep=" ")
    else:
        text = str(value)
    text = text.replace("\n", "\\n")
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return text


def _rows_to_show(height: int) -> tuple[list[int], bool]:
    if height <= MAX_ROWS:
        return list(range(height)), False
    head = (MAX_ROWS + 1) // 2
    tail = MAX_ROWS // 2
    return list(range(head)) + list(range(height - tail, height)), True


def _cols_to_show(width: int) -> tuple[list[int], bool]:
    if width <= MAX_COLS:
        return list(range(width)), False
    head = (MAX_COLS + 1) // 2
    tail = MAX_COLS // 2
    return list(range(head)) + list(range(width - tail, width)), True


def _cells(table: pa.Table, rows: list[int], cols: list[int]) -> list[list[str]]:
    out = []
    for j in cols:
        column = table.column(j)
        out.append([format_value(column[i].as_py()) for i in rows])
    return out


def render_table(table: pa.Table) -> str:
    """polars-style box table with shape, names and types."""
    height, width = table.num_rows, table.num_columns
    rows, row_cut = _rows_to_show(height)
    cols, col_cut = _cols_to_show(width)
    names = [table.column_names[j] for j in cols]
    types = [type_name(table.schema.field(j).type) for j in cols]
    cells = _cells(table, rows, cols)
    if col_cut:
        half = (len(cols) + 1) // 2
        names.insert(half, "…")
        types.insert(half, "")
        cells.insert(half, ["…"] * len(rows))
    if row_cut:
        half = (len(rows) + 1) // 2
        for c in cells:
            c.insert(half, "…")
    widths = [
        max([display_width(n), display_width(t), *(display_width(v) for v in c)])
        for n, t, c in zip(names, types, cells)
    ]
    n_rows = len(cells[0]) if cells else 0

    def line(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row(values: list[str]) -> str:
        return "│" + "┆".join(f" {_pad(v, w)} " for v, w in zip(values, widths)) + "│"

    out = [f"shape: ({height}, {width})"]
    if not widths:
        return out[0] + "\n┌┐\n└┘"
    out.append(line("┌", "┬", "┐", "─"))
    out.append(row(names))
    out.append(row(types))
    out.append(line("╞", "╪", "╡", "═"))
    for i in range(n_rows):
        out.append(row([c[i] for c in cells]))
    out.append(line("└", "┴", "┘", "─"))
    return "\n".join(out)


def render_html(table: pa.Table) -> str:
    """HTML table for notebooks (escaped cells, types under the names)."""
    height, width = table.num_rows, table.num_columns
    rows, row_cut = _rows_to_show(height)
    cols, col_cut = _cols_to_show(width)
    cells = _cells(table, rows, cols)
    head = "".join(
        f"<th>{html.escape(table.column_names[j])}<br><small>"
        f"{html.escape(type_name(table.schema.field(j).type))}</small></th>"
        for j in cols
    )
    body = []
    half = (len(rows) + 1) // 2
    for i in range(len(rows)):
        if row_cut and i == half:
            body.append("<tr>" + "<td>…</td>" * len(cols) + "</tr>")
        body.append("<tr>" + "".join(f"<td>{html.escape(c[i])}</td>" for c in cells) + "</tr>")
    note = " (columns truncated)" if col_cut else ""
    return (
        f"<div><small>shape: ({height}, {width}){note}</small>"
        f"<table class='frame-dataframe'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
