"""A tour of frame on real data: a table pipeline, then features for a model served one record
at a time, then the table pipeline timed next to pandas and polars.

Run it with ``python -m frame.demo`` (options: ``--rows`` for the size of the scaled-up data,
``--repeat`` for timed runs per step on it, ``--no-timings`` for the tour alone).

The data is the Palmer penguins table bundled with frame (344 rows, real nulls and dates). The
table pipeline is the everyday one: read a CSV, filter rows, derive columns, sort. The model
part groups and joins a colony statistic back, fits a ``frame.ml`` pipeline, trains a
scikit-learn model on the float32 matrix, serves the test records one at a time through
``transform_row`` (latency percentiles, every row checked bit for bit against the batch) and
shows the "I don't know" report on deliberately odd records. It is timed on the
real file and on a scaled-up copy (the penguin rows resampled with seeded jitter, written to a
temporary CSV). pandas and polars are optional: an engine that is not installed is skipped.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import frame as fr
from frame.datasets import load_penguins, penguins_path

__all__ = ["main"]

Steps = dict[str, Callable[[Any], Any]]


def snake_case(name: str) -> str:
    """``"Culmen Length (mm)"`` → ``"culmen_length_mm"`` (what ``load_penguins`` does)."""
    text = "".join(ch if ch.isalnum() else "_" for ch in name.lower())
    while "__" in text:
        text = text.replace("__", "_")
    return text.strip("_")


# ----------------------------------------------------------------------------- frame
def frame_read(path: Path) -> fr.DataFrame:
    df = fr.read_csv(path, null_values=["NA", ""])
    return df.rename({c: snake_case(c) for c in df.columns})


def frame_filter(df: fr.DataFrame) -> fr.DataFrame:
    return df.filter(fr.col("culmen_length_mm").is_not_null(), fr.col("body_mass_g") >= 3500)


def frame_derive(df: fr.DataFrame) -> fr.DataFrame:
    mass = fr.col("body_mass_g")
    return df.select(
        fr.col("species").str.replace_all(r" .*", ""),  # "Adelie Penguin (...)" -> "Adelie"
        "island",
        fr.col("sex").fill_null("UNKNOWN").str.to_lowercase(),
        fr.col("date_egg").dt.year().alias("year"),
        (fr.col("culmen_length_mm") / fr.col("culmen_depth_mm")).alias("bill_ratio"),
        (mass / 1000).alias("mass_kg"),
        fr.when(mass >= 4750)
        .then(fr.lit("large"))
        .when(mass >= 3750)
        .then(fr.lit("medium"))
        .otherwise(fr.lit("small"))
        .alias("size"),
    )


def frame_sort(df: fr.DataFrame) -> fr.DataFrame:
    return df.sort("species", "bill_ratio", descending=[False, True])


FRAME_STEPS: Steps = {
    "read_csv": frame_read,
    "filter": frame_filter,
    "derive": frame_derive,
    "sort": frame_sort,
}


# ----------------------------------------------------------------------------- pandas
def _pandas_steps() -> Steps:
    import pandas as pd

    def read(path: Path) -> Any:
        df = pd.read_csv(path, na_values=["NA"], parse_dates=["Date Egg"])
        return df.rename(columns=snake_case)

    def filter_(df: Any) -> Any:
        return df[df["culmen_length_mm"].notna() & (df["body_mass_g"] >= 3500)]

    def derive(df: Any) -> Any:
        mass = df["body_mass_g"]
        return pd.DataFrame(
            {
                "species": df["species"].str.replace(r" .*", "", regex=True),
                "island": df["island"],
                "sex": df["sex"].fillna("UNKNOWN").str.lower(),
                "year": df["date_egg"].dt.year,
                "bill_ratio": df["culmen_length_mm"] / df["culmen_depth_mm"],
                "mass_kg": mass / 1000,
                "size": np.select([mass >= 4750, mass >= 3750], ["large", "medium"], "small"),
            }
        )

    def sort(df: Any) -> Any:
        return df.sort_values(["species", "bill_ratio"], ascending=[True, False], ignore_index=True)

    return {"read_csv": read, "filter": filter_, "derive": derive, "sort": sort}


# ----------------------------------------------------------------------------- polars
def _polars_steps() -> Steps:
    import polars as pl

    def read(path: Path) -> Any:
        df = pl.read_csv(path, null_values=["NA"], try_parse_dates=True)
        return df.rename({c: snake_case(c) for c in df.columns})

    def filter_(df: Any) -> Any:
        return df.filter(pl.col("culmen_length_mm").is_not_null(), pl.col("body_mass_g") >= 3500)

    def derive(df: Any) -> Any:
        mass = pl.col("body_mass_g")
        return df.select(
            pl.col("species").str.replace(r" .*", ""),
            "island",
            pl.col("sex").fill_null("UNKNOWN").str.to_lowercase(),
            pl.col("date_egg").dt.year().alias("year"),
            (pl.col("culmen_length_mm") / pl.col("culmen_depth_mm")).alias("bill_ratio"),
            (mass / 1000).alias("mass_kg"),
            pl.when(mass >= 4750)
            .then(pl.lit("large"))
            .when(mass >= 3750)
            .then(pl.lit("medium"))
            .otherwise(pl.lit("small"))
            .alias("size"),
        )

    def sort(df: Any) -> Any:
        return df.sort(["species", "bill_ratio"], descending=[False, True])

    return {"read_csv": read, "filter": filter_, "derive": derive, "sort": sort}


# ----------------------------------------------------------------------------- helpers
def _engines() -> tuple[dict[str, Steps], list[str]]:
    engines: dict[str, Steps] = {"frame": FRAME_STEPS}
    skipped = []
    for name, build in (("pandas", _pandas_steps), ("polars", _polars_steps)):
        try:
            engines[name] = build()
        except ImportError:
            skipped.append(name)
    return engines, skipped


def _code(fn: Callable[..., Any]) -> str:
    """The body of one of the frame step functions above, as the reader would type it."""
    lines = inspect.getsource(fn).splitlines()[1:]
    body = textwrap.dedent("\n".join(lines))
    return textwrap.indent(body.replace("return ", "df = ", 1), "    ")


def _heading(text: str) -> None:
    print(f"\n{text}\n{'-' * len(text)}")


def scale_up(raw: fr.DataFrame, rows: int, seed: int = 0) -> fr.DataFrame:
    """``rows`` penguins resampled from ``raw`` with seeded jitter on the four measurements.

    Nulls stay null. The float jitter moves in steps of 0.25 mm (exact in binary), so the
    values keep the look and width of the original file in the CSV.
    """
    rng = np.random.default_rng(seed)
    out = raw[rng.integers(0, raw.height, size=rows)]

    def steps(low: int, high: int, step: float) -> fr.Series:
        # int step -> int64 noise (int columns stay int), float step -> float64 noise
        return fr.Series(rng.integers(low, high + 1, size=rows) * step)

    return out.with_columns(
        fr.col("Culmen Length (mm)") + steps(-8, 8, 0.25),
        fr.col("Culmen Depth (mm)") + steps(-2, 2, 0.25),
        fr.col("Flipper Length (mm)") + steps(-5, 5, 1),
        fr.col("Body Mass (g)") + steps(-6, 6, 25),
    )


def _fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def time_pipeline(
    steps: Steps, path: Path, repeat: int, *, warmup: bool = True
) -> tuple[dict[str, float], Any]:
    """Median seconds per step over ``repeat`` runs (after an untimed warm-up run if asked)."""
    samples: dict[str, list[float]] = {name: [] for name in steps}
    result = None
    for run in range(repeat + 1 if warmup else repeat):
        value: Any = path
        for name, step in steps.items():
            start = time.perf_counter()
            value = step(value)
            if run or not warmup:
                samples[name].append(time.perf_counter() - start)
        result = value
    medians = {name: statistics.median(s) for name, s in samples.items()}
    medians["total"] = sum(medians.values())
    return medians, result


def _sorted_keys(result: Any) -> tuple[list[str], np.ndarray]:
    """Species and bill ratio of a sorted result, whatever the engine."""
    if isinstance(result, fr.DataFrame):
        return result["species"].to_list(), result["bill_ratio"].to_numpy()
    if hasattr(result, "to_pandas") and not hasattr(result, "iloc"):  # polars
        result = result.to_pandas()
    return list(result["species"]), result["bill_ratio"].to_numpy(dtype=np.float64)


def _agree(results: dict[str, Any]) -> str | None:
    """None when every engine gave the same sorted keys; otherwise what differs."""
    ref_species, ref_ratio = _sorted_keys(results["frame"])
    for name, result in results.items():
        species, ratio = _sorted_keys(result)
        if len(species) != len(ref_species):
            return f"{name} returned {len(species)} rows, frame {len(ref_species)}"
        if species != ref_species or not np.allclose(ratio, ref_ratio, rtol=1e-12, atol=0):
            return f"{name} and frame disagree on the sorted (species, bill_ratio) keys"
    return None


def print_timings(
    title: str, path: Path, repeat: int, engines: dict[str, Steps], *, warmup: bool = True
) -> bool:
    """Time every engine on ``path`` and print one table; False when results disagree."""
    timings, results = {}, {}
    for name, steps in engines.items():
        timings[name], results[name] = time_pipeline(steps, path, repeat, warmup=warmup)
    others = [n for n in engines if n != "frame"]
    header = ["step", *engines, *(f"{n} ÷ frame" for n in others)]
    rows = []
    for step in [*FRAME_STEPS, "total"]:
        cells = [step, *(_fmt_time(timings[n][step]) for n in engines)]
        cells += [f"{timings[n][step] / timings['frame'][step]:.1f}×" for n in others]
        rows.append(cells)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    runs = f"median of {repeat} runs" if repeat > 1 else "one run"
    print(f"\n{title} — {runs}" + ("" if warmup else " (warmed up on the small file)"))
    for i, cells in enumerate([header, *rows]):
        print(
            "  "
            + "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(cells, widths))
            )
        )
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    problem = _agree(results)
    n_rows = len(results["frame"])
    if problem:
        print(f"  !! RESULTS DIFFER: {problem}")
        return False
    print(
        f"  results agree: {', '.join(engines)} give the same {n_rows:,} rows, sorted the same way"
    )
    return True


# ----------------------------------------------------------------------------- main
def tour() -> None:
    """Read → filter → derive → sort on the real file, printing each step."""
    _heading("1. Read the bundled CSV")
    print("    df = frame.datasets.load_penguins()   # read_csv + snake_case column names")
    df = load_penguins()
    print(f"\n{df.height} rows × {df.width} columns")
    nulls = {k: v for k, v in df.null_count().row(0, named=True).items() if v}
    print("nulls per column: " + ", ".join(f"{k} {v}" for k, v in nulls.items()))
    print(
        df.select("species", "island", "date_egg", "culmen_length_mm", "body_mass_g", "sex").head(5)
    )

    _heading("2. Filter rows")
    print(_code(frame_filter))
    df = frame_filter(df)
    print(f"\n→ {df.height} rows left (a null comparison drops the row)")

    _heading("3. Derive columns (str functions, fill_null, dates, when/then)")
    print(_code(frame_derive))
    df = frame_derive(df)

    _heading("4. Sort")
    print(_code(frame_sort))
    df = frame_sort(df)
    print()
    print(df)


# ----------------------------------------------------------------------------- features for a model
def frame_features(df: fr.DataFrame) -> fr.DataFrame:
    """Rows with a known sex, a colony-level statistic joined back, and the label."""
    colony = df.group_by("species", "island").agg(
        fr.col("body_mass_g").mean().alias("colony_mass_g"), fr.len().alias("colony_size")
    )
    return (
        df.filter(fr.col("sex").is_in(["MALE", "FEMALE"]))
        .join(colony, on=["species", "island"], how="left")
        .select(
            fr.col("species").str.replace_all(r" .*", ""),
            "island",
            "culmen_length_mm",
            "culmen_depth_mm",
            "flipper_length_mm",
            "body_mass_g",
            (fr.col("body_mass_g") / fr.col("colony_mass_g")).alias("mass_vs_colony"),
            "colony_size",
            (fr.col("sex") == "MALE").cast(fr.Int64).alias("male"),
        )
    )


def make_pipeline() -> Any:
    from frame import ml

    measurements = ml.by_pattern("_mm$|_g$|_colony$")
    return ml.Pipeline(
        [
            ml.Impute(measurements, strategy="median", add_indicator=True),
            ml.Clip(measurements, lower=0.01, upper=0.99),  # winsorize at fitted quantiles
            ml.Standardize(measurements),
            ml.QuantileBins("colony_size", n_bins=3),
            ml.TargetEncode("island"),  # out-of-fold while fitting
            ml.OneHot("species", handle_unknown="ignore"),
        ]
    )


def _percentiles(samples: list[float]) -> str:
    q = np.percentile(np.asarray(samples) * 1e6, [50, 90, 99])
    return f"p50 {q[0]:.0f} µs, p90 {q[1]:.0f} µs, p99 {q[2]:.0f} µs"


def ml_job(seed: int = 0) -> float:
    """Join/group/derive features, fit a pipeline, train a model, serve one record at a time.

    Returns the test accuracy (the demo's test checks it is far above chance)."""
    from sklearn.linear_model import LogisticRegression

    _heading("5. Features for a model: group, join, fit a pipeline, train, serve")
    print(_code(frame_features))
    data = frame_features(load_penguins())
    rng = np.random.default_rng(seed)
    is_test = np.zeros(data.height, dtype=bool)
    is_test[rng.permutation(data.height)[: data.height // 4]] = True
    train = data.filter(fr.Series("train", ~is_test))
    test = data.filter(fr.Series("test", is_test))
    features = [c for c in data.columns if c != "male"]
    print(f"\n{data.height} penguins with a known sex: {train.height} to train, {test.height} to test")

    print("\n" + _code(make_pipeline))
    pipe = make_pipeline()
    X_train = pipe.fit_transform(train.select(features), y=train["male"].to_numpy())
    X_test = pipe.transform(test.select(features))
    print(f"\n→ {X_train.shape[1]} float32 features: {', '.join(pipe.get_feature_names_out())}")
    model = LogisticRegression(max_iter=2000).fit(X_train, train["male"].to_numpy())
    accuracy = float((model.predict(X_test) == test["male"].to_numpy()).mean())
    print(f"logistic regression on the float32 matrix: test accuracy {accuracy:.3f}")

    # serving: one live record at a time, the same bits as the batch
    records = test.select(features).to_dicts()
    for r in records[:50]:  # warm-up
        pipe.transform_row(r)
    t_feat, t_all = [], []
    for r, batch_row in zip(records, X_test):
        start = time.perf_counter()
        x = pipe.transform_row(r)
        mid = time.perf_counter()
        model.predict_proba(x.reshape(1, -1))
        end = time.perf_counter()
        t_feat.append(mid - start)
        t_all.append(end - start)
        assert x.tobytes() == batch_row.tobytes(), "transform_row must equal the batch row"
    print(
        f"\nserving {len(records)} test records one at a time (every row bit-identical to the batch):"
        f"\n    pipe.transform_row(record)            {_percentiles(t_feat)}"
        f"\n    ... + model.predict_proba             {_percentiles(t_all)}"
    )

    odd = [
        dict(records[0]),
        {**records[0], "island": "Atlantis"},
        {**records[0], "body_mass_g": 12_000},
        {**records[0], "species": "Emperor", "flipper_length_mm": None},
    ]
    print("\n\"I don't know\": pipe.transform_row(record, return_unknown=True) on deliberately odd records")
    t_unknown = []
    for label, record in zip(
        ["a test record", "island 'Atlantis'", "body_mass_g 12000", "species 'Emperor', no flipper"],
        odd,
    ):
        start = time.perf_counter()
        x, unknown = pipe.transform_row(record, return_unknown=True)
        t_unknown.append(time.perf_counter() - start)
        assert x.tobytes() == pipe.transform_row(record).tobytes()
        print(f"    {label:32s} → {', '.join(unknown) if unknown else 'in support'}")
    mask = pipe.unknown_mask(odd)  # the batch report agrees with the record path
    assert [r[-1] for r in mask.rows()] == [bool(pipe.transform_row(r, return_unknown=True)[1]) for r in odd]
    print(f"    (features + report per record: {_percentiles(t_unknown)}; "
          "pipe.unknown_mask(records) gives the same flags for a batch)")
    return accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m frame.demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--rows",
        type=lambda s: int(s.replace("_", "")),
        default=1_000_000,
        help="rows of the scaled-up data set (default 1,000,000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="timed runs per step on the scaled-up data (default 1; the real file gets 5+)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the scaled-up data")
    parser.add_argument("--no-timings", action="store_true", help="only the tour, no timings")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

    print(f"frame {fr.__version__} demo — Palmer penguins (real data, CC-0)")
    print("=" * 60)
    tour()
    ml_job(args.seed)
    if args.no_timings:
        return 0

    engines, skipped = _engines()
    _heading("6. Timings: read CSV → filter → derive → sort, in " + ", ".join(engines))
    print(
        "Same pipeline in each library (code: frame/demo.py); a ratio above 1 means frame is faster."
    )
    if skipped:
        print(f"({', '.join(skipped)} not installed: skipped; pip install {' '.join(skipped)})")
    raw = fr.read_csv(penguins_path(), null_values=["NA", ""])
    ok = print_timings(
        f"a) penguins_raw.csv, {raw.height} rows", penguins_path(), max(args.repeat, 5), engines
    )
    with tempfile.TemporaryDirectory(prefix="frame-demo-") as tmp:
        path = Path(tmp) / "penguins_scaled.csv"
        build_start = time.perf_counter()
        big = scale_up(raw, args.rows, seed=args.seed)
        big.write_csv(path)
        size_mb = path.stat().st_size / 1e6
        del big
        print(
            f"\n(scaled-up data: {args.rows:,} rows resampled with seeded jitter, written to a "
            f"{size_mb:.0f} MB temporary CSV in {_fmt_time(time.perf_counter() - build_start)})"
        )
        ok &= print_timings(
            f"b) scaled-up penguins, {args.rows:,} rows", path, args.repeat, engines, warmup=False
        )

    print("\nNext: help(frame.DataFrame), frame.show_versions(), and the README.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
