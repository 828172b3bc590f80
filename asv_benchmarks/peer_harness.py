"""Helpers shared by the db-benchmark peer comparisons (``compare_groupby.py``, ``compare_join.py``).

One engine per subprocess (``run_subprocess`` re-invokes the calling script with ``--engine``),
the timing loop with per-question peak RSS (``time_questions``), Arrow IPC round trips, the
result normalisation the cross-checks use, and the markdown tables of the reports.
"""

from __future__ import annotations

import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as paipc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_peers import _fmt_ratio, _fmt_s, _generic_arrow, _rss_mib, _table

__all__ = [
    "Engine",
    "_as_float",
    "_column_sum",
    "_memory_table",
    "_normalise",
    "_peak_mib",
    "_ratio_table",
    "_read_ipc",
    "_reset_peak",
    "_status_table",
    "_time_table",
    "_write_ipc",
    "run_subprocess",
    "time_questions",
]


class Engine:
    """The native input, built before timing, and one callable per question."""

    name = ""

    def __init__(self, table: pa.Table, threads: int):
        self.table = table

    def questions(self) -> dict[str, Callable[[], Any]]:
        raise NotImplementedError

    def as_arrow(self, result: Any) -> pa.Table:
        """The result as a pyarrow.Table (for the cross-check; not timed)."""
        return _generic_arrow(result)

    def threads(self) -> str:
        return ""

    def describe(self) -> str:
        """How the input is held (printed in the report)."""
        return ""


def _read_ipc(path: str) -> pa.Table:
    with pa.OSFile(path, "rb") as f:
        return paipc.open_file(f).read_all()


def _write_ipc(path: str, table: pa.Table) -> None:
    with paipc.new_file(path, table.schema) as writer:
        writer.write_table(table)


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0); False if unavailable."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mib() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_questions(
    name: str,
    engine: Engine,
    available: dict[str, Callable[[], Any]],
    repeat: int,
    questions: list[str],
    out_dir: str | None,
    canonical: Callable[[str, pa.Table], pa.Table],
) -> dict[str, Any]:
    """Time every question of one engine; results go to ``out_dir`` for the cross-check.

    ``canonical(question, table)`` gives a result its canonical column names (untimed).
    """
    gc.collect()
    report: dict[str, Any] = {
        "threads": engine.threads(),
        "input": engine.describe(),
        "rss_after_prep_mib": _rss_mib(),
        "peak_resettable": _reset_peak(),
        "questions": {},
    }
    for q in questions:
        if q not in available:
            continue
        fn = available[q]
        gc.collect()
        _reset_peak()
        samples: list[float] = []
        try:
            for i in range(repeat + 1):
                gc.collect()
                start = time.perf_counter()
                result = fn()
                elapsed = time.perf_counter() - start
                if i:
                    samples.append(elapsed)
                del result
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            report["questions"][q] = {"error": message}
            print(f"  {name:<8} {q:<4} FAILED {message}", file=sys.stderr, flush=True)
            continue
        entry = {
            "median": statistics.median(samples),
            "min": min(samples),
            "samples": samples,
            "peak_rss_mib": _peak_mib(),
        }
        report["questions"][q] = entry
        print(
            f"  {name:<8} {q:<4} {entry['median']:9.4f} s (min {entry['min']:.4f})",
            file=sys.stderr,
            flush=True,
        )
        if out_dir is not None:  # the cross-check's copy: one more, untimed run
            try:
                result = canonical(q, engine.as_arrow(fn()))
                path = os.path.join(out_dir, f"{name}_{q}.arrow")
                _write_ipc(path, result)
                entry["result"] = path
                del result
            except Exception as exc:
                entry["check_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return report


def run_subprocess(script: str, engine_args: list[str], threads: int) -> dict[str, Any]:
    """Run ``script --engine ...`` (``engine_args``) in a child; its last stdout line is JSON."""
    cmd = [sys.executable, os.path.abspath(script), *engine_args]
    env = {**os.environ, "POLARS_MAX_THREADS": str(threads)}
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False, env=env)
    if proc.returncode != 0 or not proc.stdout.strip():
        # The child's traceback went to our stderr; keep the other engines' results.
        return {"threads": "", "questions": {}, "error": f"exit code {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _normalise(table: pa.Table) -> pa.Table:
    """Dictionaries decoded, strings as ``string``, integers/decimals as int64, floats float64."""
    columns = []
    for column in table.columns:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        t = column.type
        if pa.types.is_dictionary(t):
            column = column.cast(t.value_type)
            t = column.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            column = column.cast(pa.string())
        elif pa.types.is_integer(t) or pa.types.is_decimal(t):
            column = column.cast(pa.int64())
        elif pa.types.is_floating(t):
            column = column.cast(pa.float64())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _as_float(column: pa.Array) -> np.ndarray:
    """float64 values with null → NaN (null and NaN both mean "no value" here)."""
    return pc.fill_null(column.cast(pa.float64()), math.nan).to_numpy(zero_copy_only=False)


def _column_sum(column: pa.Array) -> float:
    values = _as_float(column)
    return float(np.nansum(values))


def _time_table(
    results: dict[str, dict[str, Any]],
    questions: list[str],
    stat: str,
    label: Callable[[str], str],
) -> tuple[str, dict[str, float]]:
    engines = list(results)
    rows = []
    for q in questions:
        cells = []
        for e in engines:
            entry = results[e]["questions"].get(q)
            if entry is None:
                cells.append("—")
            elif "error" in entry:
                cells.append("error")
            else:
                cells.append(_fmt_s(entry[stat]))
        rows.append([label(q), *cells])
    done = {
        e: [q for q in questions if stat in results[e]["questions"].get(q, {})] for e in engines
    }
    totals = {e: sum(results[e]["questions"][q][stat] for q in done[e]) for e in engines}
    rows.append(
        [
            "**total** (questions it ran)",
            *(f"{totals[e]:.3f} ({len(done[e])}/{len(questions)})" for e in engines),
        ]
    )
    common = [q for q in questions if all(q in done[e] for e in engines)]
    if common and len(common) < len(questions):
        rows.append(
            [
                f"**total** over {','.join(common)}",
                *(f"{sum(results[e]['questions'][q][stat] for q in common):.3f}" for e in engines),
            ]
        )
    return _table(["question", *engines], rows), totals


def _ratio_table(
    results: dict[str, dict[str, Any]], questions: list[str], label: Callable[[str], str]
) -> str:
    def med(e: str, q: str) -> float | None:
        return results[e]["questions"].get(q, {}).get("median")

    peers = [e for e in results if e != "frame"]
    rows = []
    for q in [*questions, "total"]:
        if q == "total":
            # Over the questions frame and the compared engine both ran.
            f_total = {
                e: sum(med("frame", x) for x in questions if med("frame", x) and med(e, x))
                for e in peers
            }
            p_total = {
                e: sum(med(e, x) for x in questions if med("frame", x) and med(e, x)) for e in peers
            }
            vs_polars = (
                _fmt_ratio(f_total["polars"] / p_total["polars"])
                if "polars" in peers and p_total["polars"]
                else "—"
            )
            ratios = {e: f_total[e] / p_total[e] for e in peers if p_total[e]}
            if ratios:
                best = max(ratios, key=ratios.__getitem__)  # the peer frame does worst against
                shared = sum(1 for x in questions if med("frame", x) and med(best, x))
                vs_best = f"{_fmt_ratio(ratios[best])} ({best}; its {shared} shared questions)"
            else:
                vs_best = "—"
            rows.append(["**total**", vs_polars, vs_best])
            best_each = [
                (med("frame", x), min(med(e, x) for e in peers if med(e, x)))
                for x in questions
                if med("frame", x) and any(med(e, x) for e in peers)
            ]
            if best_each:
                ratio = sum(f for f, _ in best_each) / sum(b for _, b in best_each)
                rows.append(
                    ["**total** ÷ per-question fastest peer", "", _fmt_ratio(ratio)],
                )
            continue
        f = med("frame", q)
        if f is None:
            rows.append([label(q), "—", "—"])
            continue
        p = med("polars", q) if "polars" in peers else None
        others = {e: med(e, q) for e in peers if med(e, q) is not None}
        vs_best = "—"
        if others:
            best = min(others, key=others.__getitem__)
            vs_best = f"{_fmt_ratio(f / others[best])} ({best})"
        rows.append([label(q), _fmt_ratio(f / p) if p else "—", vs_best])
    return _table(["question", "frame ÷ polars", "frame ÷ fastest peer"], rows)


def _memory_table(results: dict[str, dict[str, Any]], questions: list[str]) -> str:
    rows = []
    for e, r in results.items():
        if "rss_after_prep_mib" not in r:
            continue
        peaks = {
            q: r["questions"][q]["peak_rss_mib"]
            for q in questions
            if "peak_rss_mib" in r["questions"].get(q, {})
        }
        worst = max(peaks, key=peaks.__getitem__) if peaks else None
        rows.append(
            [
                e,
                f"{r['rss_after_prep_mib']:.0f}",
                f"{max([r['rss_after_prep_mib'], *peaks.values()]):.0f}",
                f"{worst} ({peaks[worst]:.0f})" if worst else "—",
                ", ".join(f"{q} {peaks[q]:.0f}" for q in questions if q in peaks),
            ]
        )
    text = _table(
        ["engine", "RSS after input prep", "peak RSS", "largest (question)", "peak per question"],
        rows,
    )
    if not all(r.get("peak_resettable", True) for r in results.values()):
        text += (
            "\n\n(/proc/self/clear_refs is not writable here: each question's peak includes "
            "the questions before it.)"
        )
    return text


def _status_table(status: dict[str, dict[str, str]], questions: list[str]) -> str:
    rows = []
    for e, per_q in status.items():
        ok = [q for q in questions if per_q.get(q) in ("ok", "ref")]
        bad = [q for q in questions if per_q.get(q) == "MISMATCH"]
        failed = [q for q in questions if per_q.get(q) == "failed"]
        skipped = [q for q in questions if per_q.get(q) == "—"]
        ref = [q for q in questions if per_q.get(q) == "ref"]
        cells = [
            e,
            f"{len(ok)}/{len(questions)}" + (f" (reference for {','.join(ref)})" if ref else ""),
            ",".join(bad) or "—",
            ",".join(failed) or "—",
            ",".join(skipped) or "—",
        ]
        rows.append(cells)
    return _table(["engine", "agree", "MISMATCH", "failed", "not supported / not run"], rows)


def timing_sections(
    results: dict[str, dict[str, Any]],
    questions: list[str],
    status: dict[str, dict[str, str]],
    label: Callable[[str], str],
    *,
    in_process: bool,
    memory_caption: str,
) -> list[str]:
    """The report sections both comparison scripts share: median and best times, frame's
    ratios, peak RSS and the cross-check status table (markdown lines)."""
    engines = list(results)
    out = ["### Median time (seconds)", ""]
    out += [_time_table(results, questions, "median", label)[0], ""]
    out += ["### Best time (seconds; the minimum of the timed runs)", ""]
    out += [_time_table(results, questions, "min", label)[0], ""]
    out += [
        "Totals add only the questions the engine ran (count in brackets); the second total "
        "row, when present, is over the questions every engine ran.",
        "",
    ]
    if "frame" in results and len(engines) > 1:
        out += ["### frame ÷ peer (median times; < 1 means frame is faster)", ""]
        out += [_ratio_table(results, questions, label), ""]
    if not in_process:
        out += [f"### Peak RSS (MiB; one process per engine, {memory_caption})", ""]
        out += [_memory_table(results, questions), ""]
    out += ["### Cross-check", ""]
    out += [_status_table(status, questions), ""]
    return out
