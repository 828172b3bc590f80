"""frame.ml vs scikit-learn: single-record latency and 10k-row batch throughput.

Usage (from the repository root)::

    .venv/bin/python asv_benchmarks/compare_ml.py                 # quick: ~30 s
    .venv/bin/python asv_benchmarks/compare_ml.py --train 200000 --row-reps 5000 --batch-reps 20

The frame pipeline is ``make_pipeline()`` of ``benchmarks/ml.py`` (10 steps over 30 input
columns, fitted on ``--train`` rows). The scikit-learn pipeline is the closest
``ColumnTransformer`` (scikit-learn has no quantile clipping, per-column hashing to a bucket
index, hashed crosses or count encoding; the four id columns go through an ``OrdinalEncoder``
instead, which is cheaper than hashing):

* ``num0..num15``: ``SimpleImputer(median)`` -> ``StandardScaler``
* ``amt0, amt1``: ``SimpleImputer(median)`` -> ``log1p`` -> ``KBinsDiscretizer(10, quantile)``
* ``cat0..cat3``: ``OneHotEncoder(handle_unknown="ignore")``
* ``cat4..cat7``: ``TargetEncoder()``
* ``id0..id3``: ``OrdinalEncoder(unknown_value=-1)``

String nulls are replaced by a ``"__null__"`` category in the pandas input before timing
(scikit-learn encoders do not take None/NA in string columns; frame takes nulls as they are).
Single-record latency: frame ``transform_row(dict)`` vs scikit-learn ``transform`` of a 1-row
pandas DataFrame (the usual serving call); the median over ``--row-reps`` calls on 100
different records, after warm-up. Batch: ``transform`` of 10 000 unseen rows (frame: a frame
DataFrame; scikit-learn: a pandas DataFrame), median of ``--batch-reps``. Everything runs in
this process, single-threaded numpy as configured by the environment.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.ml import AMT, CAT, IDS, NUM, make_data, make_pipeline

import frame as fr


def _median_time(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _sklearn_pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline as sk_make_pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        KBinsDiscretizer,
        OneHotEncoder,
        OrdinalEncoder,
        StandardScaler,
        TargetEncoder,
    )

    return ColumnTransformer([
        ("num", sk_make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUM),
        ("amt", sk_make_pipeline(SimpleImputer(strategy="median"), FunctionTransformer(np.log1p),
                                 KBinsDiscretizer(n_bins=10, encode="ordinal", strategy="quantile",
                                                  quantile_method="linear")), AMT),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CAT[:4]),
        ("target", TargetEncoder(target_type="binary"), CAT[4:]),
        ("ids", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), IDS),
    ], sparse_threshold=0.0)


def _to_pandas(table):
    df = table.to_pandas()
    for c in CAT:
        df[c] = df[c].astype(object).where(df[c].notna(), "__null__")
    return df


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--row-reps", type=int, default=2000)
    ap.add_argument("--sk-row-reps", type=int, default=200)
    ap.add_argument("--batch-reps", type=int, default=7)
    args = ap.parse_args()

    train, y = make_data(args.train)
    test, _ = make_data(args.batch, seed=12345)
    records = test.slice(0, 100).to_pylist()

    pipe = make_pipeline().fit(fr.DataFrame(train), y=y)
    batch = fr.DataFrame(test)
    rows: list[tuple[str, str, str, str]] = []
    for r in records:  # warm the row path (hash caches, branch predictors)
        pipe.transform_row(r)
    it = iter(range(10**9))
    f_row = _median_time(lambda: pipe.transform_row(records[next(it) % 100]), args.row_reps)
    one_row = fr.DataFrame(test.slice(0, 1))
    f_row_df = _median_time(lambda: pipe.transform(one_row), args.sk_row_reps)
    f_batch = _median_time(lambda: pipe.transform(batch), args.batch_reps)
    n_feat = len(pipe.get_feature_names_out())

    try:
        import sklearn
    except ImportError:
        sklearn = None
    if sklearn is not None:
        sk = _sklearn_pipeline().fit(_to_pandas(train), y)
        pd_test = _to_pandas(test)
        pd_rows = [pd_test.iloc[[i]] for i in range(100)]
        for r in pd_rows[:10]:
            sk.transform(r)
        it2 = iter(range(10**9))
        s_row = _median_time(lambda: sk.transform(pd_rows[next(it2) % 100]), args.sk_row_reps)
        s_batch = _median_time(lambda: sk.transform(pd_test), args.batch_reps)
        s_feat = sk.transform(pd_rows[0]).shape[1]

    def us(t: float) -> str:
        return f"{t * 1e6:,.1f} µs"

    def rps(t: float) -> str:
        return f"{args.batch / t:,.0f} rows/s"

    rows.append(("frame.ml", us(f_row), us(f_row_df), f"{rps(f_batch)} ({f_batch * 1e3:.1f} ms)"))
    if sklearn is not None:
        rows.append((f"scikit-learn {sklearn.__version__}", us(s_row), "—",
                     f"{rps(s_batch)} ({s_batch * 1e3:.1f} ms)"))
    print(f"train rows: {args.train:,}; features: frame {n_feat}"
          + (f", scikit-learn {s_feat}" if sklearn is not None else " (scikit-learn not installed)"))
    print()
    print("| engine | single record (median) | 1-row batch call (median) | 10k-row batch |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if sklearn is not None:
        print(f"\nframe single-record speed-up: {s_row / f_row:,.0f}x; batch: {s_batch / f_batch:,.1f}x")
    print(f"budgets: single record < 50 µs: {'OK' if f_row < 50e-6 else 'MISSED'}; "
          f"batch > 1M rows/s: {'OK' if args.batch / f_batch > 1e6 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
