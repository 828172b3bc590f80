"""``python -m frame.demo`` is the first thing a new user runs: it must not rot."""

from __future__ import annotations

import subprocess
import sys

import pytest

import frame as fr
from frame import demo
from frame.datasets import penguins_path

SECTIONS = [
    "1. Read the bundled CSV",
    "2. Filter rows",
    "3. Derive columns",
    "4. Sort",
    "5. Features for a model",
    "6. Timings",
    "a) penguins_raw.csv, 344 rows",
    "b) scaled-up penguins, 20,000 rows",
]


def test_main_small_scale_prints_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--rows", "20000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for section in SECTIONS:
        assert section in out, f"missing section {section!r}"
    assert "shape: (271, 7)" in out  # the filtered, derived, sorted real data
    assert out.count("results agree") == 2, out
    assert "RESULTS DIFFER" not in out


def test_tour_only() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "frame.demo", "--no-timings"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "4. Sort" in proc.stdout
    assert "5. Features for a model" in proc.stdout
    assert "6. Timings" not in proc.stdout


def test_pipeline_on_real_data() -> None:
    df = demo.frame_sort(demo.frame_derive(demo.frame_filter(demo.frame_read(penguins_path()))))
    assert df.shape == (271, 7)
    assert df.columns == ["species", "island", "sex", "year", "bill_ratio", "mass_kg", "size"]
    assert set(df["species"].to_list()) == {"Adelie", "Chinstrap", "Gentoo"}
    assert df["sex"].null_count() == 0  # fill_null("UNKNOWN") then lower-cased
    assert set(df["size"].to_list()) <= {"small", "medium", "large"}
    assert set(df["year"].to_list()) == {2007, 2008, 2009}
    # sorted by species, then bill ratio descending within a species
    rows = list(zip(df["species"].to_list(), df["bill_ratio"].to_list()))
    assert rows == sorted(rows, key=lambda r: (r[0], -r[1]))


def test_features_for_a_model(capsys: pytest.CaptureFixture[str]) -> None:
    # the model part: group + join features, a fitted pipeline, a model far above chance
    # (about half the penguins are male), every served row bit-identical to the batch (the
    # demo asserts it) and the odd records flagged
    accuracy = demo.ml_job(seed=0)
    out = capsys.readouterr().out
    assert accuracy > 0.8
    assert "pipe.transform_row(record)" in out
    assert "island 'Atlantis'                → targetencode.island" in out
    assert "a test record                    → in support" in out
    features = demo.frame_features(fr.datasets.load_penguins())
    assert features.height == 333 and features["colony_size"].null_count() == 0


def test_scale_up_keeps_shape_nulls_and_is_seeded() -> None:
    raw = fr.read_csv(penguins_path(), null_values=["NA", ""])
    big = demo.scale_up(raw, 5_000, seed=3)
    assert big.shape == (5_000, raw.width)
    assert big.schema == raw.schema
    assert big.equals(demo.scale_up(raw, 5_000, seed=3))
    assert not big.equals(demo.scale_up(raw, 5_000, seed=4))
    # about 2 of 344 source rows have no measurements; their copies stay null
    nulls = big["Body Mass (g)"].null_count()
    assert 0 < nulls < 200
    assert big["Culmen Length (mm)"].null_count() == nulls


def test_bad_arguments_exit_with_usage_error() -> None:
    with pytest.raises(SystemExit) as err:
        demo.main(["--rows", "0"])
    assert err.value.code == 2
