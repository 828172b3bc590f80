"""frame.ml serving: a fitted 10-step feature pipeline over 30 input columns.

``time_transform_row`` is the single-record latency (budget: < 50 us median) and
``time_transform_batch_10k`` the batch path on 10 000 rows (budget: > 1M rows/s, i.e. < 10 ms).
The data is synthetic and seeded (``np.random.default_rng``): 18 float columns with ~5% nulls,
8 string columns (cardinality 4 .. 200, ~2% nulls), 4 integer id columns (up to 1e5 values)
and a binary target. ``make_data`` and ``make_pipeline`` are shared with
``asv_benchmarks/compare_ml.py``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

import frame as fr
from frame import ml

SEED = 20261124
N_TRAIN = 50_000
N_BATCH = 10_000

NUM = [f"num{i}" for i in range(16)]
AMT = ["amt0", "amt1"]
CAT = [f"cat{i}" for i in range(8)]
IDS = [f"id{i}" for i in range(4)]
CARD = [4, 8, 12, 20, 30, 50, 100, 200]


def make_data(n_rows: int, seed: int = SEED) -> tuple[pa.Table, np.ndarray]:
    """30 input columns plus a binary target ``y`` (returned separately)."""
    rng = np.random.default_rng(seed)
    cols: dict[str, pa.Array] = {}
    for j, name in enumerate(NUM):
        x = rng.standard_normal(n_rows) * (j + 1) + j
        cols[name] = pa.array(x, mask=rng.random(n_rows) < 0.05)
    for name in AMT:
        cols[name] = pa.array(rng.lognormal(3.0, 1.5, n_rows), mask=rng.random(n_rows) < 0.05)
    for name, card in zip(CAT, CARD):
        vocab = np.array([f"{name}_v{i}" for i in range(card)], dtype=object)
        vals = vocab[rng.zipf(1.3, n_rows) % card]
        cols[name] = pa.array(vals.tolist(), pa.string(), mask=rng.random(n_rows) < 0.02)
    for name in IDS:
        cols[name] = pa.array(rng.integers(0, 100_000, n_rows))
    logit = np.nan_to_num(cols["num0"].to_numpy(zero_copy_only=False)) * 0.3 - 0.5
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    return pa.table(cols), y


def make_pipeline() -> ml.Pipeline:
    """The 10-step pipeline: imputation, clipping, log, scaling, bins, one-hot, target
    encoding, hashing, a hashed cross and count encoding."""
    return ml.Pipeline([
        ml.Impute(ml.by_pattern("^(num|amt)"), strategy="median"),
        ml.Clip(NUM[:4], lower=0.01, upper=0.99),
        ml.Log1p(AMT),
        ml.Standardize(NUM),
        ml.QuantileBins(AMT, n_bins=10),
        ml.OneHot(CAT[:4], handle_unknown="ignore"),
        ml.TargetEncode(CAT[4:], smooth="auto"),
        ml.Hash(IDS[:2], n_buckets=1 << 18),
        ml.Hash(IDS[2:], n_buckets=1 << 20, cross=True),
        ml.CountEncode(IDS[2:]),
    ])


class MLServing:
    """Fitted pipeline serving one record and a 10k-row batch."""

    timeout = 120

    def setup(self):
        train, y = make_data(N_TRAIN)
        self.pipe = make_pipeline().fit(fr.DataFrame(train), y=y)
        batch, _ = make_data(N_BATCH, seed=SEED + 1)
        self.batch = fr.DataFrame(batch)
        self.rows = batch.slice(0, 100).to_pylist()
        self.row = self.rows[7]

    def time_transform_row(self):
        self.pipe.transform_row(self.row)

    def time_transform_rows_100(self):
        self.pipe.transform_rows(self.rows)

    def time_transform_batch_10k(self):
        self.pipe.transform(self.batch)

    def track_n_features(self):
        return len(self.pipe.get_feature_names_out())

    track_n_features.unit = "features"


class MLFit:
    """Fitting the pipeline on 50k rows (out-of-fold target encoding included)."""

    timeout = 300

    def setup(self):
        train, y = make_data(N_TRAIN)
        self.train = fr.DataFrame(train)
        self.y = y

    def time_fit(self):
        make_pipeline().fit(self.train, y=self.y)


class MLWideHash:
    """The hashing trick at 2**20 buckets: a sparse one-hot block per string column.

    Costs must not grow with the number of buckets beyond the output itself: fit, sparse
    batches, one record, save and load are O(rows) / O(nonzeros) plus O(1) per block.
    """

    timeout = 300
    params = ([2**16, 2**20],)
    param_names = ("n_buckets",)

    def setup(self, n_buckets):
        import tempfile

        rng = np.random.default_rng(SEED)
        n = 50_000
        words = np.array([f"w{i}" for i in range(20_000)], dtype=object)

        def table(k):
            return pa.table({
                "word": pa.array(words[rng.integers(0, len(words), k)].tolist()),
                "x": rng.standard_normal(k),
            })

        self.train = fr.DataFrame(table(n))
        self.batch = fr.DataFrame(table(N_BATCH))
        self.pipe = self._pipe(n_buckets).fit(self.train)
        self.rows = table(1).to_pylist()
        self.dir = tempfile.mkdtemp()
        self.pipe.save(f"{self.dir}/saved")

    @staticmethod
    def _pipe(n_buckets):
        return ml.Pipeline([
            ml.Standardize("x"),
            ml.Hash("word", n_buckets=n_buckets, output="onehot", alternate_sign=True),
        ])

    def time_fit(self, n_buckets):
        self._pipe(n_buckets).fit(self.train)

    def time_transform_sparse_10k(self, n_buckets):
        self.pipe.transform(self.batch, output="sparse")

    def time_transform_row(self, n_buckets):
        self.pipe.transform_row(self.rows[0])

    def time_save(self, n_buckets):
        self.pipe.save(f"{self.dir}/again")

    def time_load(self, n_buckets):
        ml.load(f"{self.dir}/saved")
