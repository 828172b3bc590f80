"""Independent expressions of one select / with_columns run side by side on a thread pool for
large tables (``_eval.evaluate_all``). The results, their order and the error raised must not
depend on it; nested evaluation inside a pool thread must not deadlock."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr
from frame import _eval
from frame.testing import assert_frame_equal
from tests.core._layout_cases import forced_threads


def _exprs() -> list[fr.Expr]:
    return [
        fr.col("a"),
        (fr.col("a") * 2 + 1).alias("y"),
        fr.col("s").str.len_chars().alias("n"),
        fr.when(fr.col("a") > 0).then(fr.col("b")).otherwise(-fr.col("b")).alias("w"),
        fr.col("b").sum().alias("total"),
        fr.col("a").cum_sum().over("s").alias("cum"),
        fr.col("s").str.replace_all(r"[ab]", "x").alias("r"),
    ]


@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-9, 9), st.sampled_from(["a", "b", "ab", ""])),
                max_size=50))
def test_pool_gives_the_serial_result(rows) -> None:
    a, b, s = zip(*rows) if rows else ((), (), ())
    df = fr.DataFrame(pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64()),
                                "s": pa.array(s, pa.string())}))
    serial = df.select(_exprs())
    with forced_threads(2):
        assert_frame_equal(df.select(_exprs()), serial, check_exact=True)
        assert_frame_equal(df.with_columns(_exprs()[1:]), df.with_columns(_exprs()[1:]), check_exact=True)


def test_pool_is_used() -> None:
    df = fr.DataFrame({"a": [1, 2, 3], "g": ["x", "y", "x"]})
    seen = []
    real = _eval.evaluate

    def spy(expr, table):
        seen.append(threading.current_thread().name)
        return real(expr, table)

    with forced_threads(2), pytest.MonkeyPatch.context() as mp:
        mp.setattr(_eval, "evaluate", spy)
        out = df.select(fr.col("a") + 1, fr.col("a").rank().over("g").alias("r"))
    assert out.columns == ["a", "r"]
    assert seen and all(name.startswith("frame-eval") for name in seen)  # (sub-expressions too)


def test_nested_evaluation_in_a_pool_thread_runs_serially() -> None:
    df = fr.DataFrame({"a": [1, 2, 3]})
    exprs = [fr.col("a"), (fr.col("a") * 3).alias("b"), (fr.col("a") - 1).alias("c")]
    with forced_threads(2):
        # every worker busy with a select that itself evaluates several expressions
        jobs = [_eval._pool(2).submit(df.select, exprs) for _ in range(4)]
        results = [job.result(timeout=30) for job in jobs]
    assert all(r.rows() == [(1, 3, 0), (2, 6, 1), (3, 9, 2)] for r in results)


def test_first_failing_expression_raises() -> None:
    df = fr.DataFrame({"a": [1, 2], "s": ["x", "y"]})
    with forced_threads(2), pytest.raises(fr.ColumnNotFoundError, match="'nope'"):
        df.select(fr.col("a"), fr.col("nope"), fr.col("s").str.len_chars() + fr.col("also_missing"))


def test_one_thread_means_no_pool() -> None:
    df = fr.DataFrame({"a": [1, 2]})
    with forced_threads(1), pytest.MonkeyPatch.context() as mp:
        mp.setattr(_eval, "_pool", lambda workers: pytest.fail("pool used with one thread"))
        assert df.select(fr.col("a"), (fr.col("a") * 2).alias("b")).rows() == [(1, 2), (2, 4)]
