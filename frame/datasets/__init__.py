"""Small real data sets shipped with frame (no network needed)."""

from __future__ import annotations

from pathlib import Path

from frame.dataframe import DataFrame

__all__ = ["load_penguins", "penguins_path"]

_HERE = Path(__file__).parent


def penguins_path() -> Path:
    """Path of the bundled Palmer penguins CSV (raw version, CC-0)."""
    return _HERE / "penguins_raw.csv"


def load_penguins() -> DataFrame:
    """The Palmer penguins raw data (344 rows, 17 columns, real nulls and dates).

    Column names are normalised to snake_case (``"Culmen Length (mm)"`` →
    ``"culmen_length_mm"``).

    Examples
    --------
    >>> from frame.datasets import load_penguins
    >>> df = load_penguins()
    >>> df.shape
    (344, 17)
    >>> df["date_egg"].dtype
    DataType(date32[day])
    """
    from frame.io import read_csv

    df = read_csv(penguins_path(), null_values=["NA", ""])
    return df.rename({c: _snake(c) for c in df.columns})


def _snake(name: str) -> str:
    out = []
    for ch in name.lower():
        out.append(ch if ch.isalnum() else "_")
    text = "".join(out)
    while "__" in text:
        text = text.replace("__", "_")
    return text.strip("_")
