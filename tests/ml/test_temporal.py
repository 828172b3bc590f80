"""DateTimeFeatures against pandas (``Series.dt`` after ``tz_convert``) and a pure-Python
datetime/zoneinfo reference: every unit, naive and aware, DST transition days, local mean time
before 1900, instants past 2037 (where Arrow's time-zone code drops daylight saving), dates;
batch == row bit for bit (also as a hypothesis property); save -> load; clear errors."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import zoneinfo
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frame as fr
from frame import ml
from frame.ml._temporal import CYCLES, PARTS
from frame.testing import rechunk
from tests.ml._helpers import bits_equal

pytestmark = pytest.mark.filterwarnings("error")

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
ZONES = ["Europe/Oslo", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
CALENDAR = ["year", "quarter", "month", "day", "dayofweek", "dayofyear", "hour", "minute",
            "second", "is_weekend"]


def _sec(*args: int, tz: Any = UTC) -> int:
    return (dt.datetime(*args, tzinfo=tz) - EPOCH) // dt.timedelta(seconds=1)


# UTC instants of DST transitions (and odd history) to sample around
TRANSITIONS = [
    _sec(2021, 3, 28, 1), _sec(2021, 10, 31, 1),          # Europe/Oslo
    _sec(2021, 3, 14, 7), _sec(2021, 11, 7, 6),           # America/New_York
    _sec(2021, 10, 2, 15, 30), _sec(2021, 4, 3, 15),      # Australia/Lord_Howe (30 min DST)
    _sec(2050, 3, 27, 1), _sec(2050, 11, 6, 6),           # past 2037: POSIX-rule transitions
    _sec(1895, 1, 1), _sec(1883, 11, 18, 17),             # Oslo LMT -> CET; New York LMT -> EST
    _sec(1916, 5, 22), _sec(1945, 9, 30, 1),
]


# ----------------------------------------------------------------------------- references
def ref_local(sec: int, kind: str, tz: str, naive_tz: str | None) -> tuple[dt.datetime, int]:
    """(local wall datetime in tz, UTC instant seconds) by plain datetime/zoneinfo."""
    if kind == "date":
        d = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=sec)
        return d, sec
    if kind == "timestamp":  # naive: wall clock in naive_tz, fold=0
        wall = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=sec)
        inst = wall.replace(tzinfo=zoneinfo.ZoneInfo(naive_tz or "UTC")).astimezone(UTC)
    else:
        inst = EPOCH + dt.timedelta(seconds=sec)
    return inst.astimezone(zoneinfo.ZoneInfo(tz)), (inst - EPOCH) // dt.timedelta(seconds=1)


def ref_features(sec: int, ns: int, kind: str, tz: str, naive_tz: str | None,
                 parts: list[str], cyclical: list[str], min_ns: int) -> list[float]:
    loc, inst = ref_local(sec, kind, tz, naive_tz)
    dim = calendar.monthrange(loc.year, loc.month)[1]
    diy = 366 if calendar.isleap(loc.year) else 365
    val = {
        "year": loc.year, "quarter": (loc.month - 1) // 3 + 1, "month": loc.month,
        "day": loc.day, "dayofweek": loc.weekday(), "dayofyear": loc.timetuple().tm_yday,
        "hour": loc.hour, "minute": loc.minute, "second": loc.second,
        "is_weekend": int(loc.weekday() >= 5),
    }
    out: list[float] = []
    for p in parts:
        if p == "epoch":
            out.append(float(inst) + ns / 1e9)
        elif p == "elapsed":
            rs, rn = divmod(min_ns, 10**9)
            out.append(float(inst - rs) + (ns - rn) / 1e9)
        else:
            out.append(float(val[p]))
    cyc = {"quarter": (val["quarter"] - 1, 4), "month": (val["month"] - 1, 12),
           "day": (val["day"] - 1, dim), "dayofweek": (val["dayofweek"], 7),
           "dayofyear": (val["dayofyear"] - 1, diy), "hour": (val["hour"], 24),
           "minute": (val["minute"], 60), "second": (val["second"], 60)}
    for p in cyclical:
        v, period = cyc[p]
        a = 2.0 * math.pi * v / period
        out += [math.sin(a), math.cos(a)]
    return out


def _storage(arr: pa.Array) -> tuple[list[int | None], list[int]]:
    """(seconds, ns) of the storage values of a timestamp/date array."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    raw = arr.cast(pa.int32() if pa.types.is_date32(t) else pa.int64()).to_pylist()
    secs: list[int | None] = []
    nss: list[int] = []
    for v in raw:
        if v is None:
            secs.append(None)
            nss.append(0)
        elif pa.types.is_date32(t):
            secs.append(v * 86400)
            nss.append(0)
        elif pa.types.is_date64(t):
            secs.append(v // 86_400_000 * 86400)
            nss.append(0)
        else:
            s, sub = divmod(v, UNITS[t.unit])
            secs.append(s)
            nss.append(sub * (10**9 // UNITS[t.unit]))
    return secs, nss


def _kind(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_date(t):
        return "date"
    return "timestamp_tz" if t.tz else "timestamp"


def check_against_reference(step: ml.DateTimeFeatures, df: fr.DataFrame, col: str = "ts") -> None:
    pipe = ml.Pipeline([step], dtype="float64").fit(df)
    st_ = pipe.steps_[0][1]
    out = pipe.transform(df)
    secs, nss = _storage(df._table.column(col))
    kind = _kind(df.schema[col])
    # the training minimum, by the reference
    insts = [ref_local(s, kind, step.tz, step.naive_tz)[1] * 10**9 + n
             for s, n in zip(secs, nss) if s is not None]
    assert st_.state_[col]["min_ns"] == (min(insts) if insts else None)
    assert st_.state_[col]["max_ns"] == (max(insts) if insts else None)
    for i, (s, n) in enumerate(zip(secs, nss)):
        if s is None:
            assert np.isnan(out[i]).all()
            continue
        ref = ref_features(s, n, kind, step.tz, step.naive_tz, step.parts, step.cyclical,
                           st_.state_[col]["min_ns"])
        assert out[i].tolist() == ref, (i, s, pipe.features_, out[i].tolist(), ref)


def _frame(values: list[int | None], unit: str = "s", tz: str | None = "UTC") -> fr.DataFrame:
    return fr.DataFrame({"ts": pa.array(values, pa.timestamp(unit, tz=tz))})


# ----------------------------------------------------------------------------- vs pandas
@pytest.mark.parametrize("unit", list(UNITS))
@pytest.mark.parametrize("col_tz", [None, "UTC", "Europe/Oslo", "+05:30"])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Oslo", "America/New_York"])
def test_calendar_parts_vs_pandas(unit: str, col_tz: str | None, tz: str) -> None:
    pytest.importorskip("pandas")
    rng = np.random.default_rng(len(unit) + 7 * len(tz))
    f = UNITS[unit]
    lo, hi = (-9.2e9, 9.2e9) if unit == "ns" else (-5e9, 7e9)  # ~1811 .. ~2191
    secs = np.concatenate([rng.integers(lo, hi, 1500),
                           np.repeat(TRANSITIONS, 20) + rng.integers(-5400, 5400, 20 * len(TRANSITIONS))])
    values = secs * f + (rng.integers(0, f, len(secs)) if f > 1 else 0)
    arr = pa.array(values, pa.timestamp(unit, tz=col_tz), mask=rng.random(len(values)) < 0.1)
    df = fr.DataFrame({"ts": arr})
    step = ml.DateTimeFeatures(parts=CALENDAR, tz=tz, naive_tz="UTC" if col_tz is None else None)
    pipe = ml.Pipeline([step], dtype="float64").fit(df)
    out = pipe.transform(df)
    s = arr.to_pandas()
    if col_tz is None:
        s = s.dt.tz_localize("UTC")
    s = s.dt.tz_convert(tz)
    ref = {"year": s.dt.year, "quarter": s.dt.quarter, "month": s.dt.month, "day": s.dt.day,
           "dayofweek": s.dt.day_of_week, "dayofyear": s.dt.day_of_year, "hour": s.dt.hour,
           "minute": s.dt.minute, "second": s.dt.second,
           "is_weekend": (s.dt.day_of_week >= 5).where(s.notna())}
    for j, p in enumerate(CALENDAR):
        expected = ref[p].to_numpy(dtype=np.float64, na_value=np.nan)
        assert np.array_equal(out[:, j], expected, equal_nan=True), p
    assert bits_equal(out, pipe.transform_rows(df.to_dicts()))


# ----------------------------------------------------------------------------- vs Python
ALL_CYCLICAL = list(CYCLES)


@pytest.mark.parametrize(("tz", "unit"), list(zip(ZONES, ["s", "ms", "us", "ns", "us"])))
def test_dst_transition_days_every_minute(tz: str, unit: str) -> None:
    """Every minute (plus odd seconds) of the days around each transition, aware input."""
    secs: list[int | None] = []
    for t in TRANSITIONS[:8]:
        secs += [t + k for k in range(-26 * 3600, 26 * 3600, 60)] + [t - 1, t, t + 1]
    secs.append(None)
    f = UNITS[unit]
    df = fr.DataFrame({"ts": pa.array([None if s is None else s * f + (f - 1) for s in secs],
                                      pa.timestamp(unit, tz="UTC"))})
    step = ml.DateTimeFeatures(parts=[*CALENDAR, "epoch", "elapsed"], cyclical=ALL_CYCLICAL, tz=tz)
    check_against_reference(step, df)
    pipe = ml.Pipeline([step]).fit(df)
    assert bits_equal(pipe.transform(df), pipe.transform_rows(df.to_dicts()))


@pytest.mark.parametrize("naive_tz", ["Europe/Oslo", "America/New_York", "UTC"])
@pytest.mark.parametrize("tz", ["Europe/Oslo", "UTC", "Asia/Kolkata"])
def test_naive_wall_clock_localized_in_naive_tz(naive_tz: str, tz: str) -> None:
    """Naive readings on transition days, including skipped and repeated wall times."""
    walls: list[int | None] = []
    for day in [(2021, 3, 28), (2021, 10, 31), (2021, 3, 14), (2021, 11, 7), (2060, 3, 28)]:
        start = _sec(*day)
        walls += [start + k * 600 for k in range(6 * 24)]
    walls.append(None)
    df = _frame(walls, "s", None)
    step = ml.DateTimeFeatures(parts=[*CALENDAR, "epoch", "elapsed"], cyclical=["hour", "day"],
                               tz=tz, naive_tz=naive_tz)
    check_against_reference(step, df)
    pipe = ml.Pipeline([step]).fit(df)
    assert bits_equal(pipe.transform(df), pipe.transform_rows(df.to_dicts()))


def test_naive_with_utc_reads_fields_as_written() -> None:
    walls = [dt.datetime(2021, 3, 28, 2, 30), dt.datetime(1900, 12, 31, 23, 59, 59), None]
    df = fr.DataFrame({"ts": walls})
    out = ml.DateTimeFeatures(parts=["year", "month", "day", "hour", "minute", "second"]).fit_transform(df)
    assert out[:2].tolist() == [[2021, 3, 28, 2, 30, 0], [1900, 12, 31, 23, 59, 59]]
    assert np.isnan(out[2]).all()


@pytest.mark.parametrize("tz", ["Europe/Oslo", "America/New_York", "Europe/Amsterdam"])
def test_local_mean_time_and_wide_range_vs_python(tz: str) -> None:
    """Years 2..9997 (LMT offsets with seconds before ~1900, POSIX rule after 2037)."""
    rng = np.random.default_rng(5)
    lo, hi = _sec(2, 1, 1), _sec(9997, 12, 31)
    secs = [*rng.integers(lo, hi, 400).tolist(), *rng.integers(_sec(1850, 1, 1), _sec(1910, 1, 1), 200).tolist(),
            _sec(1901, 1, 1, 0, 0, 1)]
    df = _frame(secs, "s", "UTC")
    step = ml.DateTimeFeatures(parts=[*CALENDAR, "epoch", "elapsed"], cyclical=ALL_CYCLICAL, tz=tz)
    check_against_reference(step, df)
    pipe = ml.Pipeline([step]).fit(df)
    assert bits_equal(pipe.transform(df), pipe.transform_rows(df.to_dicts()))


def test_daylight_saving_applies_after_2037() -> None:
    """Arrow's own conversion gives EST (hour 7) in July 2050; zoneinfo and pandas give EDT."""
    df = _frame([_sec(2050, 7, 15, 12), _sec(2050, 1, 15, 12)], "s", "UTC")
    out = ml.DateTimeFeatures(parts=["hour"], tz="America/New_York").fit_transform(df)
    assert out[:, 0].tolist() == [8.0, 7.0]


def test_years_after_9999_are_exact_on_both_paths() -> None:
    """A 9999-12-31T23:00Z sentinel is 10000-01-01 08:00 in Tokyo (a Saturday, like 2000-01-01)."""
    v = _sec(9999, 12, 31, 23)
    values = [v, v + 3 * 365 * 86400, 400 * 146097 * 86400 + _sec(2050, 7, 15, 12)]
    df = _frame(values, "s", "UTC")
    parts = ["year", "month", "day", "hour", "dayofweek", "dayofyear"]
    pipe = ml.Pipeline([ml.DateTimeFeatures(parts=parts, tz="Asia/Tokyo")], dtype="float64").fit(df)
    out = pipe.transform(df)
    assert out[0].tolist() == [10000, 1, 1, 8, 5, 1]
    assert out[1].tolist() == [10002, 12, 31, 8, 1, 365]
    rows = [{"ts": np.datetime64(x, "s")} for x in values]
    assert bits_equal(pipe.transform_rows(rows), out)
    ny = ml.Pipeline([ml.DateTimeFeatures(parts=["year", "hour"], tz="America/New_York")]).fit(df)
    assert ny.transform(df)[2].tolist() == [2050 + 400 * 400, 8]  # DST rule repeats every 400 y


@pytest.mark.parametrize("dtype", [pa.date32(), pa.date64()])
def test_dates(dtype: pa.DataType) -> None:
    days = [-719162 + 1, -25567, -1, 0, 59, 11016, 19000, 2932896, None]  # 0001-01-02 .. 9999-12-31
    values = days if dtype == pa.date32() else [None if d is None else d * 86_400_000 for d in days]
    df = fr.DataFrame({"d": pa.array(values, dtype)})
    step = ml.DateTimeFeatures(parts=[*CALENDAR, "epoch", "elapsed"], cyclical=ALL_CYCLICAL,
                               tz="Europe/Oslo")  # dates are never converted
    check_against_reference(step, df, "d")
    pipe = ml.Pipeline([step]).fit(df)
    assert bits_equal(pipe.transform(df), pipe.transform_rows(df.to_dicts()))
    rows = [{"d": None if d is None else np.datetime64(d, "D")} for d in days]
    assert bits_equal(pipe.transform(df), pipe.transform_rows(rows))


def test_cyclical_values_and_periods() -> None:
    ts = [dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC), dt.datetime(2023, 12, 31, 0, 0, tzinfo=UTC)]
    step = ml.DateTimeFeatures(parts=[], cyclical=["day", "dayofyear", "month"]).fit(fr.DataFrame({"ts": ts}))
    out = step.transform(fr.DataFrame({"ts": ts}), dtype="float64")
    assert step.get_feature_names_out() == ["ts.day_sin", "ts.day_cos", "ts.dayofyear_sin",
                                            "ts.dayofyear_cos", "ts.month_sin", "ts.month_cos"]
    two_pi = 2.0 * math.pi
    assert out[0].tolist() == [math.sin(two_pi * 28 / 29), math.cos(two_pi * 28 / 29),
                               math.sin(two_pi * 59 / 366), math.cos(two_pi * 59 / 366),
                               math.sin(two_pi * 1 / 12), math.cos(two_pi * 1 / 12)]
    assert out[1].tolist()[:4] == [math.sin(two_pi * 30 / 31), math.cos(two_pi * 30 / 31),
                                   math.sin(two_pi * 364 / 365), math.cos(two_pi * 364 / 365)]


# ----------------------------------------------------------------------------- layouts
def test_chunked_sliced_and_dictionary_columns() -> None:
    rng = np.random.default_rng(2)
    values = (rng.integers(-2e9, 3e9, 300) * 1000).tolist()
    values[::17] = [None] * len(values[::17])
    plain = pa.array(values, pa.timestamp("ms", tz="Europe/Oslo"))
    table = rechunk(pa.table({"ts": plain}), [40, 0, 100])
    step = ml.DateTimeFeatures(parts=[*CALENDAR, "epoch"], cyclical=["hour"], tz="America/New_York")
    ref = ml.Pipeline([step]).fit(fr.DataFrame({"ts": plain}))
    expected = ref.transform(fr.DataFrame({"ts": plain}))
    for layout in (table, pa.table({"ts": plain.dictionary_encode()}),
                   pa.table({"ts": plain.slice(50)})):
        df = fr.DataFrame(layout)
        got = ref.transform(df)
        start = len(plain) - df.height
        assert bits_equal(got, expected[start:])
        assert bits_equal(got, ref.transform_rows(df.to_dicts()))
    fitted_on_dict = ml.Pipeline([step]).fit(fr.DataFrame({"ts": plain.dictionary_encode()}))
    assert bits_equal(fitted_on_dict.transform(fr.DataFrame({"ts": plain})), expected)


def test_all_null_and_empty_columns() -> None:
    df = _frame([None, None], "us", "UTC")
    pipe = ml.Pipeline([ml.DateTimeFeatures(parts=["hour", "elapsed"], cyclical=["month"])]).fit(df)
    assert pipe.steps_[0][1].state_ == {"ts": {"min_ns": None, "max_ns": None, "missing": True}}
    assert np.isnan(pipe.transform(df)).all()
    new = _frame([0], "us", "UTC")
    assert pipe.transform(new)[0, 1] == 0.0  # elapsed counts from 1970 without a training value
    assert pipe.unknown_mask(new)["any"].to_list() == [True]
    assert pipe.transform(_frame([], "us", "UTC")).shape == (0, 4)


# ----------------------------------------------------------------------------- row inputs
def test_row_path_accepts_every_value_type() -> None:
    pd = pytest.importorskip("pandas")
    train = fr.DataFrame({"ts": pa.array([0, 2 * 10**18], pa.timestamp("ns", tz="UTC"))})
    parts = [*CALENDAR, "epoch", "elapsed"]
    pipe = ml.Pipeline([ml.DateTimeFeatures(parts=parts, cyclical=["hour"], tz="Europe/Oslo")],
                       dtype="float64").fit(train)
    instant_ns = 1_616_893_200_123_456_789  # 2021-03-28T01:00:00.123456789Z (DST starts)
    batch = pipe.transform(fr.DataFrame({"ts": pa.array([instant_ns], pa.timestamp("ns", tz="UTC"))}))[0]
    oslo = zoneinfo.ZoneInfo("Europe/Oslo")
    same = [
        pd.Timestamp(instant_ns, tz="UTC"),
        pd.Timestamp(instant_ns, tz="UTC").tz_convert("America/New_York"),
        np.datetime64(instant_ns, "ns"),  # the raw storage value: UTC for an aware column
    ]
    for v in same:
        assert bits_equal(pipe.transform_row({"ts": v}), batch), v
    micro = pipe.transform(fr.DataFrame({"ts": pa.array([instant_ns // 1000], pa.timestamp("us", tz="UTC"))}))[0]
    for v in [dt.datetime(2021, 3, 28, 3, 0, 0, 123456, tzinfo=oslo),
              dt.datetime(2021, 3, 27, 21, 0, 0, 123456, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
              dt.datetime(2021, 3, 28, 1, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(0))),
              np.datetime64(instant_ns // 1000, "us")]:
        assert bits_equal(pipe.transform_row({"ts": v}), micro), v
    for missing in (None, pd.NaT, np.datetime64("NaT"), float("nan")):
        assert np.isnan(pipe.transform_row({"ts": missing})).all()


def test_serving_other_unit_and_other_zone() -> None:
    rng = np.random.default_rng(4)
    secs = rng.integers(0, 2e9, 200)
    train = fr.DataFrame({"ts": pa.array(secs * 1000, pa.timestamp("ms", tz="UTC"))})
    pipe = ml.Pipeline([ml.DateTimeFeatures(parts=[*CALENDAR, "epoch", "elapsed"],
                                            cyclical=["hour"], tz="Europe/Oslo")]).fit(train)
    expected = pipe.transform(train)
    for unit in UNITS:
        for tz in ("UTC", "Asia/Tokyo", "-03:00"):
            served = fr.DataFrame({"ts": pa.array(secs * UNITS[unit], pa.timestamp(unit, tz=tz))})
            pipe.check_schema(served)
            assert bits_equal(pipe.transform(served), expected), (unit, tz)
            assert bits_equal(pipe.transform_rows(served.to_dicts()), expected)


# ----------------------------------------------------------------------------- errors
def test_naive_aware_mismatch_at_serving() -> None:
    aware = ml.Pipeline([ml.DateTimeFeatures(parts=["hour"])]).fit(_frame([0, 3600], "s", "UTC"))
    with pytest.raises(ml.SchemaError, match=r"column 'ts' is datetime\[s\]; the pipeline was "
                       r"fitted on datetime\[s, UTC\]; naive timestamps .*tz_localize"):
        aware.transform(_frame([0], "s", None))
    with pytest.raises(ml.SchemaError, match=r"column 'ts': got datetime .*fitted on time-zone-aware"):
        aware.transform_row({"ts": dt.datetime(2020, 1, 1)})
    naive = ml.Pipeline([ml.DateTimeFeatures(parts=["hour"])]).fit(_frame([0, 3600], "s", None))
    with pytest.raises(ml.SchemaError, match=r"fitted on datetime\[s\]; the pipeline was fitted on "
                       r"naive timestamps .*naive_tz"):
        naive.transform(_frame([0], "s", "UTC"))
    with pytest.raises(ml.SchemaError, match=r"fitted on naive timestamps .*astimezone"):
        naive.transform_row({"ts": dt.datetime(2020, 1, 1, tzinfo=UTC)})
    with pytest.raises(ml.SchemaError, match=r"is date; the pipeline was fitted on datetime\[s, UTC\]; cast"):
        aware.transform(fr.DataFrame({"ts": pa.array([0], pa.date32())}))
    with pytest.raises(ml.SchemaError, match=r"got date .*datetime.datetime, pandas.Timestamp"):
        aware.transform_row({"ts": dt.date(2020, 1, 1)})
    with pytest.raises(ml.SchemaError, match=r"got str '2020-01-01'"):
        aware.transform_row({"ts": "2020-01-01"})
    dates = ml.Pipeline([ml.DateTimeFeatures(parts=["day"])]).fit(fr.DataFrame({"d": [dt.date(2020, 1, 1)]}))
    with pytest.raises(ml.SchemaError, match=r"fitted on date: pass a datetime.date"):
        dates.transform_row({"d": dt.datetime(2020, 1, 1)})
    # date32 and date64 are interchangeable
    assert dates.transform(fr.DataFrame({"d": pa.array([86_400_000], pa.date64())})).tolist() == [[2.0]]


def test_naive_column_with_local_tz_asks_for_naive_tz() -> None:
    df = _frame([0], "us", None)
    with pytest.raises(ml.SchemaError, match=r"column 'ts' is a naive timestamp \(datetime\[us\], no "
                       r"time zone\) and tz='Europe/Oslo'; say which zone .*naive_tz='UTC'"):
        ml.DateTimeFeatures(tz="Europe/Oslo").fit(df)
    # an aware or date column does not need it
    ml.DateTimeFeatures(tz="Europe/Oslo").fit(_frame([0], "us", "UTC"))


def test_parameter_errors() -> None:
    with pytest.raises(ml.InvalidOperationError, match=r"unknown part 'weekday'; use one of year, quarter"):
        ml.DateTimeFeatures(parts=["weekday"])
    with pytest.raises(ml.InvalidOperationError, match=r"unknown cyclical part 'year' \('year' has no cycle\)"):
        ml.DateTimeFeatures(cyclical=["year"])
    with pytest.raises(ml.InvalidOperationError, match=r"duplicate parts"):
        ml.DateTimeFeatures(parts=["hour", "hour"])
    with pytest.raises(ml.InvalidOperationError, match=r"at least one feature"):
        ml.DateTimeFeatures(parts=[], cyclical=[])
    with pytest.raises(ml.InvalidOperationError, match=r"unknown time zone tz='Europe/Olso'.*tzdata"):
        ml.DateTimeFeatures(tz="Europe/Olso")
    with pytest.raises(ml.InvalidOperationError, match=r"naive_tz must be an IANA time-zone name"):
        ml.DateTimeFeatures(naive_tz=5)
    assert ml.DateTimeFeatures(tz=zoneinfo.ZoneInfo("Asia/Tokyo")).tz == "Asia/Tokyo"
    assert ml.DateTimeFeatures(parts="hour").parts == ["hour"]


def test_non_temporal_columns_and_numeric_steps() -> None:
    df = fr.DataFrame({"x": [1.0, 2.0], "ts": pa.array([0, 1], pa.timestamp("s", tz="UTC"))})
    with pytest.raises(ml.SchemaError, match=r"DateTimeFeatures needs a date or timestamp column; "
                       r"column 'x' is f64"):
        ml.DateTimeFeatures("x").fit(df)
    for step in (ml.Standardize("ts"), ml.MinMaxScale("ts"), ml.Log1p("ts"), ml.OneHot("ts")):
        with pytest.raises(ml.SchemaError, match=r"column 'ts' is datetime\[s, UTC\]; turn it into "
                           r"features with DateTimeFeatures first"):
            step.fit(df)
    # default selection: temporal columns only; numeric defaults skip them
    pipe = ml.Pipeline([ml.DateTimeFeatures(parts=["hour"]), ml.Standardize()]).fit(df)
    assert pipe.get_feature_names_out() == ["x", "ts.hour"]
    assert ml.by_dtype("temporal").resolve(
        {"a": pa.date64(), "b": pa.timestamp("ns"), "c": pa.int64(),
         "d": pa.dictionary(pa.int32(), pa.timestamp("s", tz="UTC"))}) == ["a", "b", "d"]


def test_out_of_range_instants_raise_on_both_paths() -> None:
    pipe = ml.Pipeline([ml.DateTimeFeatures(parts=["year"])]).fit(_frame([0], "s", "UTC"))
    with pytest.raises(fr.ComputeError, match=r"column 'ts' holds an instant .*beyond the supported range"):
        pipe.transform(_frame([2**62], "s", "UTC"))
    with pytest.raises(fr.ComputeError, match=r"beyond the supported range"):
        pipe.transform_row({"ts": np.datetime64(2**62, "s")})


# ----------------------------------------------------------------------------- state, mask, lineage
def test_state_unknown_mask_and_lineage() -> None:
    train = _frame([_sec(2020, 1, 1), _sec(2020, 6, 30, 12), _sec(2020, 3, 1)], "s", "UTC")
    pipe = ml.Pipeline([ml.DateTimeFeatures(parts=["month", "elapsed"], cyclical=["hour"],
                                            tz="Europe/Oslo")]).fit(train)
    step = pipe.named_steps["datetimefeatures"]
    assert step.state_ == {"ts": {"min_ns": _sec(2020, 1, 1) * 10**9,
                                  "max_ns": _sec(2020, 6, 30, 12) * 10**9, "missing": False}}
    test = fr.DataFrame({"ts": pa.array([_sec(2019, 12, 31, 23, 59) * 10**6, _sec(2020, 4, 1) * 10**6,
                                         None, _sec(2020, 6, 30, 12) * 10**6 + 1],
                                        pa.timestamp("us", tz="Asia/Tokyo"))})
    assert pipe.unknown_mask(test)["datetimefeatures.ts"].to_list() == [True, False, True, True]
    assert pipe.transform(test, dtype="float64")[0, 1] == -60.0
    assert pipe.get_feature_names_out() == ["ts.month", "ts.elapsed", "ts.hour_sin", "ts.hour_cos"]
    assert pipe.lineage(as_text=True).splitlines() == [
        "ts.month <- ts: datetimefeatures(part='month', tz='Europe/Oslo')",
        "ts.elapsed <- ts: datetimefeatures(part='elapsed', tz='Europe/Oslo', since='2020-01-01T00:00:00Z')",
        "ts.hour_sin <- ts: datetimefeatures(part='hour', tz='Europe/Oslo', encoding='sin', period=24)",
        "ts.hour_cos <- ts: datetimefeatures(part='hour', tz='Europe/Oslo', encoding='cos', period=24)",
    ]
    naive = ml.Pipeline([ml.DateTimeFeatures(parts=["day"], cyclical=["day"])]).fit(_frame([0], "s", None))
    assert naive.lineage().rows()[1][0] == "ts.day_sin"
    assert "'naive_tz': 'UTC'" not in naive.lineage(as_text=True)
    assert "naive_tz='UTC'" in naive.lineage(as_text=True)
    assert "period='days in month'" in naive.lineage(as_text=True)
    # the training mask: nulls are known when training had them
    with_null = ml.Pipeline([ml.DateTimeFeatures(parts=["hour"])]).fit(_frame([0, None], "s", "UTC"))
    assert with_null.unknown_mask(_frame([None, 10], "s", "UTC"))["any"].to_list() == [False, True]


def test_save_load_identical(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    secs = rng.integers(-1e9, 2.6e9, 300).tolist()
    secs[::11] = [None] * len(secs[::11])
    train = fr.DataFrame({
        "ts": pa.array([None if s is None else s * 10**6 + 17 for s in secs], pa.timestamp("us", tz="UTC")),
        "local": pa.array(secs, pa.timestamp("s")),
        "d": pa.array([None if s is None else s // 86400 for s in secs], pa.date32()),
        "x": rng.standard_normal(300),
    })
    pipe = ml.Pipeline([
        ml.DateTimeFeatures(["ts", "d"], parts=list(PARTS), cyclical=list(CYCLES), tz="America/New_York"),
        ml.DateTimeFeatures("local", parts=["hour", "epoch"], tz="Europe/Oslo", naive_tz="Europe/Oslo"),
        ml.Standardize(),
    ]).fit(train)
    pipe.quantize()
    pipe.save(tmp_path / "m")
    loaded = ml.load(tmp_path / "m")
    test = train.tail(120)
    for dtype in ("float64", "float32", "int8"):
        assert bits_equal(loaded.transform(test, dtype=dtype), pipe.transform(test, dtype=dtype))
    assert bits_equal(loaded.transform_rows(test.to_dicts()), pipe.transform(test))
    assert loaded.unknown_mask(train).equals(pipe.unknown_mask(train))
    assert loaded.lineage(as_text=True) == pipe.lineage(as_text=True)
    for (_, a), (_, b) in zip(loaded.steps_, pipe.steps_):
        assert a.state_ == b.state_
        assert a.get_params() == b.get_params()
    assert loaded.input_schema_ == pipe.input_schema_


def test_tz_database_never_changes_offset_twice_within_a_day() -> None:
    """The batch path looks offsets up once per day; exact iff consecutive transitions of every
    zone are more than a day apart (true for the whole tz database: the minimum is ~4 days)."""
    pure = pytest.importorskip("zoneinfo._zoneinfo")
    for name in sorted(zoneinfo.available_timezones()):
        try:
            z = pure.ZoneInfo.no_cache(name)
        except (ValueError, OSError):  # pragma: no cover - broken file on this machine
            continue
        trans = getattr(z, "_trans_utc", None)
        if trans is None:  # pragma: no cover - private layout changed
            pytest.skip("zoneinfo's pure-Python layout changed")
        gaps = [b - a for a, b in itertools.pairwise(trans)]
        assert not gaps or min(gaps) > 86400, name


# ----------------------------------------------------------------------------- property
_UNIT = st.sampled_from(list(UNITS))
_COL_TZ = st.sampled_from([None, "UTC", "Europe/Oslo", "America/New_York", "+05:30", "Australia/Lord_Howe"])
_TZ = st.sampled_from(ZONES)


@st.composite
def temporal_frames(draw: Any) -> tuple[fr.DataFrame, fr.DataFrame, ml.DateTimeFeatures]:
    unit = draw(_UNIT)
    col_tz = draw(_COL_TZ)
    date_type = draw(st.sampled_from([pa.date32(), pa.date64()]))
    f = UNITS[unit]
    lo, hi = (-9.2e9, 9.2e9) if unit == "ns" else (_sec(2, 1, 1), _sec(9997, 12, 31))
    second = st.one_of(
        st.integers(int(lo), int(hi)),
        st.integers(-3e9, 4e9),
        st.tuples(st.sampled_from(TRANSITIONS), st.integers(-7300, 7300)).map(sum),
    )
    value = st.one_of(st.none(), st.tuples(second, st.integers(0, f - 1)).map(lambda p: p[0] * f + p[1]))

    def make(n: int) -> fr.DataFrame:
        ts = draw(st.lists(value, min_size=n, max_size=n))
        days = [None if v is None else v // f // 86400 for v in ts]
        if date_type == pa.date64():
            days = [None if d is None else d * 86_400_000 for d in days]
        arr = pa.array(ts, pa.timestamp(unit, tz=col_tz))
        if n and draw(st.booleans()):
            arr = arr.dictionary_encode()
        table = pa.table({"ts": arr, "d": pa.array(days, date_type)})
        if n and draw(st.booleans()):
            table = rechunk(table, draw(st.lists(st.integers(0, n), min_size=1, max_size=3)))
        return fr.DataFrame(table)

    train = make(draw(st.integers(1, 12)))
    test = make(draw(st.integers(0, 12)))
    parts = draw(st.lists(st.sampled_from(PARTS), unique=True, max_size=6))
    cyclical = draw(st.lists(st.sampled_from(list(CYCLES)), unique=True, max_size=3,
                             min_size=0 if parts else 1))
    tz = draw(_TZ)
    naive_tz = draw(st.sampled_from(ZONES)) if col_tz is None else draw(st.sampled_from([None, *ZONES]))
    return train, test, ml.DateTimeFeatures(parts=parts, cyclical=cyclical, tz=tz, naive_tz=naive_tz)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(case=temporal_frames(), dtype=st.sampled_from(["float64", "float32"]))
def test_property_batch_equals_rows_and_reference(case: tuple, dtype: str) -> None:
    train, test, step = case
    pipe = ml.Pipeline([step], dtype=dtype).fit(train)
    batch = pipe.transform(test)
    rows = test.to_dicts()
    assert bits_equal(batch, pipe.transform_rows(rows)), (pipe.features_, batch, pipe.transform_rows(rows))
    for r, expected in zip(rows[:3], batch[:3]):
        assert bits_equal(pipe.transform_row(r), expected)
    pipe.check_parity(test)
    # the independent reference, on the training frame (float64)
    ref_step = ml.DateTimeFeatures("ts", parts=step.parts, cyclical=step.cyclical, tz=step.tz,
                                   naive_tz=step.naive_tz)
    check_against_reference(ref_step, train, "ts")
    check_against_reference(ml.DateTimeFeatures("d", parts=step.parts, cyclical=step.cyclical,
                                                tz=step.tz), train, "d")
