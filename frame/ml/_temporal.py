"""Temporal step: DateTimeFeatures (calendar parts, cyclical encodings, epoch and elapsed time).

One definition, two executions, as for every step: each value becomes an *instant*
``(sec, ns)`` (integer seconds since 1970-01-01T00:00Z and nanoseconds in ``[0, 1e9)``), then
*local seconds* ``sec + utc_offset(sec)`` in the step's zone; calendar parts come from the
local seconds by exact integer arithmetic (:func:`_calendar`, written once with ``//``, ``%``
and comparisons so it runs unchanged on Python ints and on int64 NumPy arrays); sine/cosine
come from tables filled once by :func:`math.sin`/:func:`math.cos`.

Time-zone offsets come from :mod:`zoneinfo` on both paths, never from
``pyarrow.compute`` (``assume_timezone``, ``local_timestamp``, field extraction on zoned
timestamps): Arrow's vendored tz code stops applying daylight-saving rules after the last
transition tabulated in the TZif file (2037), so a July 2050 instant in New York gets the
winter offset (apache/arrow#36110). The batch path calls the same scalar offset function as
the row path once per distinct UTC day (at its first and last second) and per value only on
the few days whose offset changes; this is exact because no zone changes its offset twice
within one day (the closest consecutive transitions in the tz database are about 4 days
apart; a test checks this against the installed database).
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.types as pat

from frame.dtypes import type_name
from frame.exceptions import ComputeError, InvalidOperationError, SchemaError
from frame.ml._base import NAN, RowOp, Selector, Step, family

__all__ = ["DateTimeFeatures", "temporal_hint"]

PARTS = (
    "year", "quarter", "month", "day", "dayofweek", "dayofyear", "hour", "minute", "second",
    "is_weekend", "epoch", "elapsed",
)
# cyclical parts: the zero-based value and its period ("dim"/"diy": days in that month/year)
CYCLES: dict[str, tuple[str, int | str]] = {
    "quarter": ("quarter0", 4),
    "month": ("month0", 12),
    "day": ("day0", "dim"),
    "dayofweek": ("dayofweek", 7),
    "dayofyear": ("dayofyear0", "diy"),
    "hour": ("hour", 24),
    "minute": ("minute", 60),
    "second": ("second", 60),
}
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal",
                        "Etc/Zulu", "Zulu"})

_UTC = UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_ORD1970 = date(1970, 1, 1).toordinal()
_DAY = 86400
_NS = 1_000_000_000
_LIMIT = 2**53  # |seconds| beyond ~285 million years from 1970 are rejected (no int64 overflow)
# zoneinfo lookups stay inside datetime's range: before year 1 the earliest offset (local mean
# time) holds; after 9999 the offset repeats with the 400-year Gregorian cycle, as the POSIX
# daylight-saving rule that governs years past the tabulated transitions does
_LO = (datetime(1, 1, 2, tzinfo=_UTC) - _EPOCH) // timedelta(seconds=1)
_HI = (datetime(9999, 12, 30, tzinfo=_UTC) - _EPOCH) // timedelta(seconds=1)
_CYCLE = 146097 * _DAY


# ----------------------------------------------------------------------------- calendar
def _calendar(local: Any, need: frozenset[str]) -> dict[str, Any]:
    """Calendar fields of local seconds since 1970-01-01 00:00 (a Python int or int64 array).

    Exact integer arithmetic (Howard Hinnant's ``civil_from_days``, proleptic Gregorian,
    astronomical year numbering), using only operators that behave identically on Python
    ints and NumPy int64 arrays (floor ``//`` and ``%``, bools as 0/1).
    """
    days = local // _DAY
    sod = local % _DAY
    f: dict[str, Any] = {}
    f["hour"] = sod // 3600
    f["minute"] = sod % 3600 // 60
    f["second"] = sod % 60
    f["dayofweek"] = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    f["is_weekend"] = 1 * (f["dayofweek"] >= 5)
    if not need & {"year", "quarter", "month", "day", "dayofyear", "quarter0", "month0",
                   "day0", "dayofyear0", "dim", "diy"}:
        return f
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)  # day of a March-based year
    mp = (5 * doy + 2) // 153
    jan_feb = 1 * (mp >= 10)
    month = mp + 3 - 12 * jan_feb
    year = yoe + era * 400 + jan_feb
    leap = 1 * ((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)))
    f["year"] = year
    f["month"] = month
    f["month0"] = month - 1
    f["quarter0"] = (month - 1) // 3
    f["quarter"] = f["quarter0"] + 1
    f["day0"] = doy - (153 * mp + 2) // 5
    f["day"] = f["day0"] + 1
    f["dayofyear0"] = doy - 306 + (1 - jan_feb) * (365 + leap)
    f["dayofyear"] = f["dayofyear0"] + 1
    f["dim"] = 28 + (month + month // 8) % 2 + 2 % month + 2 * (1 // month) + leap * (month == 2)
    f["diy"] = 365 + leap
    return f


@functools.cache
def _cycle_table(part: str) -> tuple[tuple[float, ...], tuple[float, ...], int, int]:
    """sin and cos of ``2*pi*v/P`` for every (period, value) of a cyclical part.

    Returns ``(sin, cos, p_min, width)``; the entry of value ``v`` (zero-based) at period ``P``
    is ``(P - p_min) * width + v``. Filled with :func:`math.sin`/:func:`math.cos`, read by both
    paths, so the encodings agree bit for bit on every machine.
    """
    period = CYCLES[part][1]
    if period == "dim":
        periods = range(28, 32)
    elif period == "diy":
        periods = range(365, 367)
    else:
        periods = range(int(period), int(period) + 1)
    width = periods[-1]
    sin, cos = [], []
    for p in periods:
        for v in range(width):
            a = 2.0 * math.pi * v / p
            sin.append(math.sin(a))
            cos.append(math.cos(a))
    return tuple(sin), tuple(cos), periods[0], width


# ----------------------------------------------------------------------------- time zones
def _into_range(sec: int) -> int:
    if sec < _LO:
        return _LO
    if sec > _HI:
        return sec - ((sec - _HI) // _CYCLE + 1) * _CYCLE
    return sec


def _zone(name: Any, what: str) -> str:
    """Validate an IANA zone name (a ``ZoneInfo`` is taken by its key)."""
    if isinstance(name, ZoneInfo):
        name = name.key
    if name is UTC:
        name = "UTC"
    if not isinstance(name, str):
        raise InvalidOperationError(
            f"DateTimeFeatures: {what} must be an IANA time-zone name such as 'UTC' or "
            f"'Europe/Oslo', got {type(name).__name__} {name!r}"
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidOperationError(
            f"DateTimeFeatures: unknown time zone {what}={name!r}; use an IANA name such as "
            "'UTC', 'Europe/Oslo' or 'America/New_York' (if the name is right, this machine "
            "lacks the time-zone database: install the 'tzdata' package)"
        ) from err
    return name


@functools.cache
def _offset_fn(name: str, wall: bool) -> Any:
    """Seconds east of UTC, as a function of integer seconds (``None`` for UTC).

    ``wall=False``: at the *instant* ``sec`` (UTC seconds). ``wall=True``: for the wall-clock
    reading ``sec`` in the zone, with Python's rule for readings a transition makes ambiguous
    or skips (PEP 495 ``fold=0``: the offset in force before the transition).
    """
    if name in _UTC_NAMES:
        return None
    zone = ZoneInfo(name)
    base = datetime(1970, 1, 1, tzinfo=zone)
    td = timedelta

    if wall:
        def off(sec: int) -> int:
            d = (base + td(seconds=_into_range(sec))).utcoffset()
            return d.days * 86400 + d.seconds
    else:
        fromutc = zone.fromutc

        def off(sec: int) -> int:
            d = fromutc(base + td(seconds=_into_range(sec))).utcoffset()
            return d.days * 86400 + d.seconds

    return off


def _offsets(fn: Any, sec: np.ndarray) -> np.ndarray:
    """``fn`` at every element: once per distinct day (first and last second), per element only
    on days where the two differ (a transition day)."""
    if len(sec) == 0:
        return np.zeros(0, dtype=np.int64)
    ud, inv = np.unique(sec // _DAY, return_inverse=True)
    starts = (ud * _DAY).tolist()
    first = np.fromiter(map(fn, starts), dtype=np.int64, count=len(starts))
    last = np.fromiter((fn(s + _DAY - 1) for s in starts), dtype=np.int64, count=len(starts))
    out = first[inv]
    odd = np.flatnonzero((first != last)[inv])
    if len(odd):
        out[odd] = np.fromiter(map(fn, sec[odd].tolist()), dtype=np.int64, count=len(odd))
    return out


def _kind(t: pa.DataType) -> str:
    f = family(t)
    return f if f in ("timestamp", "timestamp_tz", "date") else ""


def _iso(ns_total: int | None) -> str | None:
    if ns_total is None:
        return None
    sec, ns = divmod(ns_total, _NS)
    try:
        text = (_EPOCH + timedelta(seconds=sec)).replace(tzinfo=None).isoformat()
    except OverflowError:
        return f"{sec} s since 1970-01-01T00:00:00Z"
    return text + (f".{ns:09d}" if ns else "") + "Z"


def temporal_hint(train: pa.DataType, serve: pa.DataType) -> str:
    """Advice appended to the serving schema error for timestamp/date mismatches ('' if none)."""
    ft, fs = family(train), family(serve)
    if ft == "timestamp_tz" and fs == "timestamp":
        return ("; naive timestamps (no time zone) cannot stand in for time-zone-aware ones: "
                "attach the zone the values are written in (pandas: s.dt.tz_localize('UTC'), "
                "pyarrow: pc.assume_timezone(col, 'UTC'))")
    if ft == "timestamp" and fs == "timestamp_tz":
        return ("; the pipeline was fitted on naive timestamps (wall-clock times): convert the "
                "column to naive wall-clock time in the zone given as DateTimeFeatures("
                "naive_tz=...) (UTC by default), e.g. pandas: "
                "s.dt.tz_convert('UTC').dt.tz_localize(None), or refit on time-zone-aware data")
    if {ft, fs} <= {"timestamp", "timestamp_tz", "date"}:
        return "; cast the column to the fitted type (dates and timestamps are not interchangeable)"
    return ""


# ----------------------------------------------------------------------------- conversion
_UNIT_NS = {"s": _NS, "ms": 1_000_000, "us": 1000, "ns": 1}
_NP_UNIT_NS = {"D": _DAY * _NS, "W": 7 * _DAY * _NS, "h": 3600 * _NS, "m": 60 * _NS, "s": _NS,
               "ms": 1_000_000, "us": 1000, "ns": 1}
_NP_UNIT_DIV = {"ps": 1000, "fs": 1_000_000, "as": 1_000_000_000}


def _arrow_instants(col: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Storage value of a date/timestamp column as ``(sec, ns, null)`` int64/int64/bool arrays.

    For time-zone-aware timestamps ``sec`` is the UTC instant, for naive ones the wall-clock
    reading, for dates the day's midnight. Any unit; chunked, sliced and dictionary-encoded
    arrays; nulls read as 0 and are flagged in ``null``.
    """
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if pat.is_dictionary(col.type):
        col = col.dictionary_decode()
    t = col.type
    n = len(col)
    if pat.is_null(t):
        zero = np.zeros(n, dtype=np.int64)
        return zero, zero.copy(), np.ones(n, dtype=bool)
    null = col.is_null().to_numpy(zero_copy_only=False) if col.null_count else np.zeros(n, dtype=bool)
    raw = col.cast(pa.int32() if pat.is_date32(t) else pa.int64())
    if col.null_count:
        raw = raw.fill_null(0)
    v = raw.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if pat.is_date32(t):
        return v * _DAY, np.zeros(n, dtype=np.int64), null
    if pat.is_date64(t):
        return (v // 86_400_000) * _DAY, np.zeros(n, dtype=np.int64), null
    per = _UNIT_NS[t.unit]
    if per == _NS:
        return v.copy(), np.zeros(n, dtype=np.int64), null
    f = _NS // per
    return v // f, (v % f) * per, null


def _np_instant(x: np.datetime64) -> tuple[int, int] | None:
    """A NumPy datetime64 (any unit) as ``(sec, ns)`` of its raw value; NaT -> None."""
    if np.isnat(x):
        return None
    unit, count = np.datetime_data(x.dtype)
    if unit in ("Y", "M"):
        x = x.astype("datetime64[D]")
        unit, count = "D", 1
    v = int(x.astype(np.int64)) * count
    total = v * _NP_UNIT_NS[unit] if unit in _NP_UNIT_NS else v // _NP_UNIT_DIV[unit]
    return divmod(total, _NS)


def _wall_ns(x: datetime) -> int:
    """Wall-clock fields of a datetime (or pandas.Timestamp) as ns since 1970-01-01 00:00."""
    s = (x.toordinal() - _ORD1970) * _DAY + x.hour * 3600 + x.minute * 60 + x.second
    ns = x.microsecond * 1000
    if type(x) is not datetime:
        ns += getattr(x, "nanosecond", 0)
    return s * _NS + ns


# ----------------------------------------------------------------------------- the step
class DateTimeFeatures(Step):
    """Calendar parts, cyclical (sin/cos) encodings, epoch and elapsed time of dates and timestamps.

    Parameters
    ----------
    columns
        Date/timestamp columns (default: every temporal column, dtype class ``"temporal"``):
        Arrow ``timestamp`` in any unit, naive or with a time zone, ``date32``, ``date64``,
        dictionary-encoded or chunked. Each column is replaced by its features.
    parts
        Features, in this order, named ``"<column>.<part>"``:

        ``year``, ``quarter`` (1-4), ``month`` (1-12), ``day`` (1-31), ``dayofweek``
        (Monday = 0 ... Sunday = 6), ``dayofyear`` (1-366), ``hour``, ``minute``, ``second``
        (integer, sub-seconds dropped), ``is_weekend`` (1.0 on Saturday and Sunday),
        ``epoch`` (seconds since 1970-01-01T00:00Z, with sub-seconds) and ``elapsed``
        (seconds since the earliest training instant of the column).
    cyclical
        Parts encoded as a ``"<column>.<part>_sin"``, ``"<column>.<part>_cos"`` pair,
        ``sin/cos(2*pi*v/P)`` of the zero-based value ``v``: ``month`` (``v = month - 1``,
        ``P = 12``), ``quarter`` (4), ``dayofweek`` (7), ``hour`` (24), ``minute`` (60),
        ``second`` (60), ``day`` (``v = day - 1``, ``P`` = days in that month) and
        ``dayofyear`` (``P`` = days in that year), so the last value of a cycle sits next to
        the first. Emitted after ``parts``.
    tz
        The IANA time zone in which calendar parts are computed (default ``"UTC"``).
        Time-zone-aware timestamps are *instants*: they are converted to ``tz`` (daylight
        saving time included), whatever zone the column carries; the same instant gives the
        same features in any unit and any column zone.
    naive_tz
        The IANA zone in which the wall-clock readings of *naive* timestamps (no time zone)
        were taken. They are localized there and then converted to ``tz``. Default ``None``
        reads naive values as UTC, which is allowed only with ``tz="UTC"`` (then the parts
        are the fields as written); with another ``tz`` a naive column raises
        :class:`~frame.SchemaError` at fit, asking for ``naive_tz``.

    Notes
    -----
    **Why naive timestamps need** ``naive_tz`` **when** ``tz`` **is not UTC.** A naive
    value has no zone, and both common meanings occur in practice (UTC server logs, local
    business times). With ``tz="UTC"`` both readings agree with the written fields, so the
    default just works. With another ``tz`` any silent choice would shift the hour of every
    row for half the users, so the step asks. ``naive_tz=tz`` reads the values as local wall
    time (the fields as written); ``naive_tz="UTC"`` converts UTC readings. Wall-clock readings
    that a daylight-saving transition skips or repeats follow Python's rule (PEP 495,
    ``fold=0``): the offset in force before the transition (a skipped 02:30 becomes 03:30, a
    repeated 02:30 is the first one).

    **Dates** are calendar days, never converted: parts come from the date itself, time-of-day
    parts are 0 and ``epoch`` is the day's midnight read as UTC.

    **Missing values** (null, ``None``, ``NaT``) give NaN in every feature of the column.

    **Batch and row path** compute the same integers with the same code and take sin/cos
    from one table, so ``transform`` and ``transform_row`` agree bit for bit. Time-zone
    offsets come from :mod:`zoneinfo` on both paths (not from Arrow, whose time-zone code
    drops daylight saving after 2037). Outputs therefore depend on the time-zone database of
    the serving machine; pin the ``tzdata`` package (and ``PYTHONTZPATH=""`` to make
    :mod:`zoneinfo` prefer it over the system files) to serve with the database used for
    training.

    **Range.** Instants more than 2**53 seconds (about 285 million years) from 1970 raise
    :class:`~frame.ComputeError`. Years after 9999 (e.g. a ``9999-12-31`` sentinel read in
    a zone east of UTC) are computed exactly; their zone offsets repeat the 400-year
    Gregorian cycle of the zone's daylight-saving rule.

    **Fitted state** per column: ``min_ns``/``max_ns`` (integer nanoseconds since
    1970-01-01T00:00Z of the earliest/latest training instant; ``None`` if the column had no
    value) and ``missing`` (training had a null). :meth:`Pipeline.unknown_mask` flags
    instants outside ``[min_ns, max_ns]`` and nulls when training had none; ``elapsed``
    counts from ``min_ns`` (from 1970 if the column had no value).

    Examples
    --------
    >>> import datetime as dt
    >>> import frame as fr
    >>> from frame import ml
    >>> utc = dt.timezone.utc
    >>> df = fr.DataFrame({"ts": [
    ...     dt.datetime(2024, 3, 31, 0, 30, tzinfo=utc),   # 01:30 in Oslo (CET)
    ...     dt.datetime(2024, 3, 31, 1, 30, tzinfo=utc),   # 03:30 in Oslo (CEST)
    ...     None,
    ... ]})
    >>> step = ml.DateTimeFeatures(parts=["day", "dayofweek", "hour", "elapsed"],
    ...                            cyclical=["hour"], tz="Europe/Oslo").fit(df)
    >>> step.get_feature_names_out()
    ['ts.day', 'ts.dayofweek', 'ts.hour', 'ts.elapsed', 'ts.hour_sin', 'ts.hour_cos']
    >>> step.transform(df, dtype="float64")[:, :4].tolist()
    [[31.0, 6.0, 1.0, 0.0], [31.0, 6.0, 3.0, 3600.0], [nan, nan, nan, nan]]
    >>> step.transform_row({"ts": dt.datetime(2024, 3, 31, 1, 30, tzinfo=utc)})[:4].tolist()
    [31.0, 6.0, 3.0, 3600.0]
    >>> print(step.transform_row({"ts": None}))
    [nan nan nan nan nan nan]
    >>> step.state_["ts"]
    {'min_ns': 1711845000000000000, 'max_ns': 1711848600000000000, 'missing': True}

    Naive timestamps with a non-UTC ``tz`` need ``naive_tz``:

    >>> naive = fr.DataFrame({"ts": [dt.datetime(2024, 7, 1, 12, 0)]})
    >>> ml.DateTimeFeatures(parts=["hour"], tz="America/New_York",
    ...                     naive_tz="UTC").fit_transform(naive)
    array([[8.]], dtype=float32)
    """

    default_columns = Selector(dtypes=["temporal"])
    input_kind = "temporal"
    _params = ("parts", "cyclical", "tz", "naive_tz")

    def __init__(
        self, columns: Any = None, *,
        parts: Any = ("year", "month", "day", "dayofweek", "hour"),
        cyclical: Any = (), tz: Any = "UTC", naive_tz: Any = None,
    ):
        super().__init__(columns)
        self.parts = self._names(parts, PARTS, "part")
        self.cyclical = self._names(cyclical, tuple(CYCLES), "cyclical part")
        if not self.parts and not self.cyclical:
            raise InvalidOperationError(
                "DateTimeFeatures needs at least one feature: give parts=[...] or cyclical=[...]"
            )
        self.tz = _zone(tz, "tz")
        self.naive_tz = None if naive_tz is None else _zone(naive_tz, "naive_tz")

    @staticmethod
    def _names(values: Any, allowed: tuple[str, ...], what: str) -> list[str]:
        values = [values] if isinstance(values, str) else list(values or ())
        for p in values:
            if p not in allowed:
                hint = ""
                if what == "cyclical part" and p in PARTS:
                    hint = f" ({p!r} has no cycle)"
                raise InvalidOperationError(
                    f"DateTimeFeatures: unknown {what} {p!r}{hint}; use one of {', '.join(allowed)}"
                )
        if len(set(values)) != len(values):
            raise InvalidOperationError(f"DateTimeFeatures: duplicate {what}s in {values!r}")
        return values

    # ---- planning
    def _check_input(self, name: str, t: pa.DataType) -> None:
        kind = _kind(t)
        if not kind:
            raise SchemaError(
                f"DateTimeFeatures needs a date or timestamp column; column {name!r} is "
                f"{type_name(t)}"
            )
        if kind == "timestamp" and self.naive_tz is None and self.tz not in _UTC_NAMES:
            raise SchemaError(
                f"DateTimeFeatures: column {name!r} is a naive timestamp ({type_name(t)}, no "
                f"time zone) and tz={self.tz!r}; say which zone its wall-clock values are in: "
                f"naive_tz='UTC' (e.g. server logs) or naive_tz={self.tz!r} (local time), or "
                "make the column time-zone aware"
            )

    def _output_names(self, name: str) -> list[str]:
        return [f"{name}.{p}" for p in self.parts] + [
            f"{name}.{p}_{fn}" for p in self.cyclical for fn in ("sin", "cos")
        ]

    def _plan(self, n: str) -> tuple[str, Any, Any, frozenset[str]]:
        """(kind, wall-offset fn or None, instant-offset fn or None, calendar fields needed)."""
        kind = _kind(self.types_in_[n])
        wall = to_local = None
        if kind == "timestamp":
            wall = _offset_fn(self.naive_tz or "UTC", True)
        if kind != "date":
            to_local = _offset_fn(self.tz, False)
        need = {p for p in self.parts if p not in ("epoch", "elapsed")}
        for p in self.cyclical:
            value, period = CYCLES[p]
            need.add(value)
            if isinstance(period, str):
                need.add(period)
        return kind, wall, to_local, frozenset(need)

    def _instants(self, n: str, col: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """UTC instants ``(sec, ns, null)`` of a column (naive values localized)."""
        _, wall, _, _ = self._cached(("plan", n), lambda: self._plan(n))
        sec, ns, null = _arrow_instants(col)
        bad = ((sec > _LIMIT) | (sec < -_LIMIT)) & ~null
        if bad.any():
            _out_of_range(n, int(sec[np.argmax(bad)]))
        if wall is not None:
            sec = sec - _offsets(wall, np.where(null, 0, sec))
        return sec, ns, null

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            sec, ns, null = self._instants(n, cols[n])
            ok = ~null
            lo = hi = None
            if ok.any():
                s, f = sec[ok], ns[ok]
                smin, smax = int(s.min()), int(s.max())
                lo = smin * _NS + int(f[s == smin].min())
                hi = smax * _NS + int(f[s == smax].max())
            st[n] = {"min_ns": lo, "max_ns": hi, "missing": bool(null.any())}
        self.state_ = st

    # ---- batch path
    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for n in self.columns_in_:
            _, _, to_local, need = self._cached(("plan", n), lambda n=n: self._plan(n))
            sec, ns, null = self._instants(n, cols[n])
            if to_local is not None:
                local = sec + _offsets(to_local, np.where(null, 0, sec))
            else:
                local = sec
            f = _calendar(local, need) if need else {}
            for p in self.parts:
                if p == "epoch":
                    x = sec.astype(np.float64) + ns.astype(np.float64) / 1e9
                elif p == "elapsed":
                    rs, rn = divmod(self.state_[n]["min_ns"] or 0, _NS)
                    x = (sec - rs).astype(np.float64) + (ns - rn).astype(np.float64) / 1e9
                else:
                    x = f[p].astype(np.float64)
                x[null] = NAN
                out[f"{n}.{p}"] = x
            for p in self.cyclical:
                sin, cos, p0, width = _cycle_table(p)
                value, period = CYCLES[p]
                idx = f[value] if isinstance(period, int) else (f[period] - p0) * width + f[value]
                idx = np.where(null, 0, idx)
                for fn, table in (("sin", sin), ("cos", cos)):
                    arr = self._cached(("table", p, fn), lambda t=table: np.asarray(t, dtype=np.float64))
                    x = arr[idx]
                    x[null] = NAN
                    out[f"{n}.{p}_{fn}"] = x
        return out

    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        out = {}
        for n in self.columns_in_:
            st = self.state_[n]
            sec, ns, null = self._instants(n, cols[n])
            if st["min_ns"] is None:
                m = ~null
            else:
                ls, ln = divmod(st["min_ns"], _NS)
                hs, hn = divmod(st["max_ns"], _NS)
                m = (sec < ls) | ((sec == ls) & (ns < ln)) | (sec > hs) | ((sec == hs) & (ns > hn))
                m &= ~null
            if not st["missing"]:
                m |= null
            out[n] = m
        return out

    def _row_unknown_op(self) -> tuple[list[str], Any]:
        # the row form of _unknown: the row op's own conversion, then (sec, ns) compared
        # lexicographically with the fitted (min, max) instants
        specs = []
        for n in self.columns_in_:
            kind, wall, _, _ = self._plan(n)
            st = self.state_[n]
            lo = None if st["min_ns"] is None else divmod(st["min_ns"], _NS)
            hi = None if st["max_ns"] is None else divmod(st["max_ns"], _NS)
            convert = _row_converter(n, kind, self.naive_tz or "UTC", type_name(self.types_in_[n]))
            specs.append((n, convert, wall, lo, hi, st["missing"]))

        def op(v: dict, specs: list = specs) -> list[str] | None:
            bad = None
            for n, convert, wall, lo, hi, missing_seen in specs:
                inst = convert(v[n])
                if inst is None:
                    flag = not missing_seen
                else:
                    sec, ns = inst
                    if sec > _LIMIT or sec < -_LIMIT:
                        _out_of_range(n, sec)  # as the batch path raises
                    if wall is not None:
                        sec -= wall(sec)
                    flag = lo is None or not lo <= (sec, ns) <= hi
                if flag:
                    bad = [n] if bad is None else [*bad, n]
            return bad

        return list(self.columns_in_), op

    # ---- row path
    def _row_op(self) -> RowOp:
        specs = []
        for n in self.columns_in_:
            kind, wall, to_local, need = self._plan(n)
            emit: list[tuple[str, str, Any]] = []
            for p in self.parts:
                arg = divmod(self.state_[n]["min_ns"] or 0, _NS) if p == "elapsed" else None
                emit.append((f"{n}.{p}", p, arg))
            for p in self.cyclical:
                sin, cos, p0, width = _cycle_table(p)
                value, period = CYCLES[p]
                emit.append((f"{n}.{p}_sin", "cycle", (value, period, p0, width, sin)))
                emit.append((f"{n}.{p}_cos", "cycle", (value, period, p0, width, cos)))
            convert = _row_converter(n, kind, self.naive_tz or "UTC", type_name(self.types_in_[n]))
            specs.append((n, convert, wall, to_local, need, emit))

        def op(v: dict, specs: list = specs, nan: float = NAN, cal: Any = _calendar) -> None:
            for n, convert, wall, to_local, need, emit in specs:
                inst = convert(v[n])
                if inst is None:
                    for o, _, _ in emit:
                        v[o] = nan
                    continue
                sec, ns = inst
                if sec > _LIMIT or sec < -_LIMIT:
                    _out_of_range(n, sec)
                if wall is not None:
                    sec -= wall(sec)
                local = sec + to_local(sec) if to_local is not None else sec
                f = cal(local, need) if need else None
                for o, p, arg in emit:
                    if p == "epoch":
                        v[o] = float(sec) + ns / 1e9
                    elif p == "elapsed":
                        v[o] = float(sec - arg[0]) + (ns - arg[1]) / 1e9
                    elif p == "cycle":
                        value, period, p0, width, table = arg
                        i = f[value] if period.__class__ is int else (f[period] - p0) * width + f[value]
                        v[o] = table[i]
                    else:
                        v[o] = float(f[p])

        return op

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        part = out[len(name) + 1:]
        base, _, fn = part.rpartition("_")
        params: dict[str, Any] = {"part": part, "tz": self.tz}
        if fn in ("sin", "cos") and base in CYCLES:
            period = CYCLES[base][1]
            params["part"] = base
            params["encoding"] = fn
            params["period"] = {"dim": "days in month", "diy": "days in year"}.get(period, period)  # type: ignore[arg-type]
        kind = _kind(self.types_in_[name])
        if kind == "timestamp":
            params["naive_tz"] = self.naive_tz or "UTC"
        elif kind == "date":
            params["tz"] = None
        if part == "elapsed":
            params["since"] = _iso(self.state_[name]["min_ns"]) or "1970-01-01T00:00:00Z"
        return params


def _out_of_range(n: str, sec: int) -> None:
    raise ComputeError(
        f"DateTimeFeatures: column {n!r} holds an instant {sec} s from 1970, beyond the "
        f"supported range of +-2**53 s (about 285 million years); null such values first"
    )


def _row_converter(n: str, kind: str, naive_tz: str, fitted: str) -> Any:
    """A function: record value -> ``(sec, ns)`` storage value, or None for a missing value."""
    ns_ = _NS
    dt_, date_, np_dt = datetime, date, np.datetime64

    def bad(x: Any, why: str) -> SchemaError:
        return SchemaError(f"column {n!r}: got {type(x).__name__} {x!r}; {why}")

    if kind == "date":
        def convert(x: Any) -> tuple[int, int] | None:
            if x is None:
                return None
            if isinstance(x, date_) and not isinstance(x, dt_):
                return (x.toordinal() - _ORD1970) * _DAY, 0
            if isinstance(x, np_dt):
                if np.isnat(x):
                    return None
                if np.datetime_data(x.dtype)[0] in ("Y", "M", "W", "D"):
                    return _np_instant(x)
            if isinstance(x, float) and x != x:
                return None
            if isinstance(x, dt_) and x != x:  # pandas.NaT
                return None
            raise bad(x, f"the pipeline was fitted on {fitted}: pass a datetime.date "
                         "(or numpy.datetime64 with unit 'D'), e.g. value.date()")

        return convert

    aware = kind == "timestamp_tz"

    def convert(x: Any) -> tuple[int, int] | None:
        if x is None:
            return None
        if isinstance(x, dt_):
            if x != x:  # pandas.NaT
                return None
            off = x.utcoffset()
            if aware:
                if off is None:
                    raise bad(x, f"the pipeline was fitted on time-zone-aware timestamps "
                                 f"({fitted}); attach the zone the value is written in, e.g. "
                                 "value.replace(tzinfo=zoneinfo.ZoneInfo('UTC'))")
                total = _wall_ns(x) - ((off.days * _DAY + off.seconds) * 1_000_000 + off.microseconds) * 1000
                return divmod(total, ns_)
            if off is not None:
                raise bad(x, f"the pipeline was fitted on naive timestamps ({fitted}, "
                             f"wall-clock time in {naive_tz}); pass "
                             f"value.astimezone(zoneinfo.ZoneInfo({naive_tz!r})).replace(tzinfo=None)")
            return divmod(_wall_ns(x), ns_)
        if isinstance(x, np_dt):
            return _np_instant(x)
        if isinstance(x, float) and x != x:
            return None
        raise bad(x, f"the pipeline was fitted on {fitted}: pass a datetime.datetime, "
                     "pandas.Timestamp or numpy.datetime64")

    return convert
