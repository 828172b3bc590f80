"""Pipeline composition, column selection, the serving schema check, errors, unknown_mask,
output control (dtypes, int8, sparse, frame, torch), lineage, interop and TorchDataset."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

import frame as fr
from frame import ml
from tests.ml._helpers import bits_equal, random_frame


@pytest.fixture
def data() -> tuple[fr.DataFrame, fr.DataFrame]:
    rng = np.random.default_rng(11)
    return random_frame(rng, 200), random_frame(rng, 50, cats=["a", "b", "zz"])


def _pipe() -> ml.Pipeline:
    return ml.Pipeline([
        ml.Impute(ml.by_dtype("numeric", exclude=["k"]), strategy="median", add_indicator=True),
        ml.Standardize(ml.by_pattern("^[fgi]$")),
        ml.OneHot("s"),
        ml.TargetEncode("k"),
    ])


# ----------------------------------------------------------------------------- selection
def test_selection_by_name_dtype_pattern(data: tuple) -> None:
    train, _ = data
    pipe = _pipe().fit(train, y="y")
    assert pipe.get_feature_names_out() == [
        "f", "f__missing", "g", "g__missing", "i", "i__missing",
        "s=a", "s=b", "s=c", "s=d", "s=__null__", "k",
    ]
    assert pipe.named_steps["standardize"].columns_in_ == ["f", "g", "i"]
    assert list(pipe.input_schema_) == ["f", "g", "i", "s", "k"]  # y is the target
    schema = {"a": pa.int8(), "b": pa.float32(), "c": pa.dictionary(pa.int32(), pa.string()),
              "d": pa.bool_(), "e": pa.large_string()}
    assert ml.by_dtype("numeric").resolve(schema) == ["a", "b"]
    assert ml.by_dtype("categorical").resolve(schema) == ["c", "d", "e"]
    assert ml.by_dtype("string").resolve(schema) == ["c", "e"]
    assert ml.Selector(dtypes=["numeric"], pattern="b").resolve(schema) == ["b"]
    with pytest.raises(ml.InvalidOperationError, match="unknown dtype class 'numbers'"):
        ml.by_dtype("numbers")


def test_remainder_passthrough_and_drop() -> None:
    df = fr.DataFrame({"a": [1.0, 2.0], "b": [3, 4], "name": ["x", "y"], "flag": [True, False]})
    drop = ml.Pipeline([ml.Standardize("a")]).fit(df)
    assert drop.get_feature_names_out() == ["a"]
    assert list(drop.input_schema_) == ["a"]  # unused columns are not required at serving
    keep = ml.Pipeline([ml.Standardize("a")], remainder="passthrough").fit(df)
    assert keep.get_feature_names_out() == ["a", "b", "flag"]  # strings are still dropped
    assert keep.transform_row({"a": 1.0, "b": 4, "flag": True}).tolist() == [-1.0, 4.0, 1.0]


def test_unknown_column_suggests_close_names(data: tuple) -> None:
    train, _ = data
    with pytest.raises(ml.ColumnNotFoundError, match="column 'ff' not found; did you mean 'f'"):
        ml.Pipeline([ml.Standardize(["ff"])]).fit(train)
    with pytest.raises(KeyError):  # frame errors are also the builtin users expect
        ml.Pipeline([ml.Standardize(["ff"])]).fit(train)


def test_wrong_dtype_for_step_names_column() -> None:
    df = fr.DataFrame({"s": ["a"], "x": [1.0]})
    with pytest.raises(ml.SchemaError, match=r"Standardize needs an integer, float or boolean column; column 's' is str"):
        ml.Standardize("s").fit(df)
    with pytest.raises(ml.SchemaError, match=r"OneHot needs a string, integer, boolean or dictionary column; column 'x' is f64"):
        ml.OneHot("x").fit(df)


def test_empty_selection_and_duplicates_raise() -> None:
    df = fr.DataFrame({"x": [1.0]})
    with pytest.raises(ml.InvalidOperationError, match="selected no columns"):
        ml.Pipeline([ml.OneHot()]).fit(df)
    df2 = fr.DataFrame({"x": [1.0], "x__missing": [0.0]})
    with pytest.raises(fr.DuplicateError, match="x__missing"):
        ml.Pipeline([ml.Impute("x", add_indicator=True)]).fit(df2)
    with pytest.raises(fr.DuplicateError):
        ml.Pipeline([("a", ml.Standardize()), ("a", ml.Clip())])


def test_not_fitted_errors() -> None:
    df = fr.DataFrame({"x": [1.0]})
    pipe = ml.Pipeline([ml.Standardize()])
    for call in (lambda: pipe.transform(df), lambda: pipe.transform_row({"x": 1.0}),
                 lambda: pipe.transform_rows([]), lambda: pipe.unknown_mask(df),
                 lambda: pipe.get_feature_names_out(), lambda: pipe.lineage(),
                 lambda: pipe.save("/nonexistent"), lambda: ml.OneHot().transform(df),
                 lambda: ml.OneHot().get_feature_names_out()):
        with pytest.raises(ml.NotFittedError, match="not fitted yet; call fit"):
            call()
    assert issubclass(ml.NotFittedError, ml.InvalidOperationError)


# ----------------------------------------------------------------------------- serving schema
def test_serving_schema_missing_extra_reordered_mistyped(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    expected = pipe.transform(test)
    reordered = test.select(list(reversed(test.columns)))
    assert bits_equal(pipe.transform(reordered), expected)  # by name, never by position
    assert bits_equal(pipe.transform(test.with_columns(extra=fr.lit(1))), expected)
    with pytest.raises(ml.ColumnNotFoundError, match="column 'k' not found"):
        pipe.transform(test.drop("k"))
    with pytest.raises(ml.SchemaError, match="column 'f' is str; the pipeline was fitted on f64"):
        pipe.transform(test.with_columns(f=fr.col("f").cast(pa.string())))
    with pytest.raises(ml.SchemaError, match="column 'k' is f64; the pipeline was fitted on i64"):
        pipe.transform(test.with_columns(k=fr.col("k").cast(pa.float64())))  # a key column
    # a number column may come as float (pandas turns int columns with NaN into float)
    assert bits_equal(pipe.transform(test.with_columns(i=fr.col("i").cast(pa.float64()))), expected)
    # compatible layouts: other int widths, large_string, dictionary, float32 for float64
    compat = test.with_columns(k=fr.col("k").cast(pa.int8()), s=fr.col("s").cast(pa.large_string()))
    assert bits_equal(pipe.transform(compat), expected)
    strict = ml.Pipeline(_pipe().steps, strict=True).fit(train, y="y")
    with pytest.raises(ml.SchemaError, match="unexpected column"):
        strict.transform(test)  # y is not an input
    strict.transform(test.drop("y"))


def test_row_schema_errors(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    row = test.drop("y").to_dicts()[0]
    missing = {k: v for k, v in row.items() if k != "s"}
    with pytest.raises(ml.ColumnNotFoundError, match="column 's' not found"):
        pipe.transform_row(missing)
    with pytest.raises(ml.SchemaError, match=r"column 'f': got str 'oops'; the pipeline was fitted on f64"):
        pipe.transform_row({**row, "f": "oops"})
    strict = ml.Pipeline(_pipe().steps, strict=True).fit(train, y="y")
    strict.transform_row(row)
    with pytest.raises(ml.SchemaError, match="unexpected key"):
        strict.transform_row({**row, "zzz": 1})


def test_dictionary_and_chunked_inputs_match_plain(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    table = test.to_arrow()
    dict_table = table.set_column(table.schema.get_field_index("s"), "s", pc_dict(table.column("s")))
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    assert bits_equal(pipe.transform(fr.DataFrame(dict_table)), pipe.transform(test))
    assert bits_equal(pipe.transform(fr.DataFrame(chunked)), pipe.transform(test))


def pc_dict(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return col.dictionary_encode()


# ----------------------------------------------------------------------------- unknown mask
def test_unknown_mask_flags() -> None:
    train = fr.DataFrame({"x": [0.0, 10.0], "n": [1.0, None], "c": ["a", "b"]})
    pipe = ml.Pipeline([ml.Standardize(["x", "n"]), ml.OneHot("c")]).fit(train)
    test = fr.DataFrame({"x": [5.0, -1.0, None, 5.0], "n": [None, 1.0, 2.0, 1.0], "c": ["a", "a", None, "q"]})
    mask = pipe.unknown_mask(test)
    assert mask.columns == ["standardize.x", "standardize.n", "onehot.c", "any"]
    assert mask.rows() == [
        (False, False, False, False),  # n null: training had nulls
        (True, False, False, True),  # x out of range
        (True, True, True, True),  # x null (none at fit), n=2 out of range, c null unseen
        (False, False, True, True),  # unseen category
    ]
    _, mask2 = pipe.transform(test, return_unknown=True)
    assert mask2.equals(mask)


def test_unknown_mask_per_step_after_imputation() -> None:
    train = fr.DataFrame({"x": [0.0, 10.0, 5.0]})
    pipe = ml.Pipeline([ml.Impute("x"), ml.Standardize("x")]).fit(train)
    mask = pipe.unknown_mask(fr.DataFrame({"x": pa.array([None, 3.0], pa.float64())}))
    # the imputer sees an unexpected null; the scaler sees the imputed (in-range) value
    assert mask.rows() == [(True, False, True), (False, False, False)]


# ----------------------------------------------------------------------------- outputs
def test_output_dtypes_no_silent_upcast(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    assert pipe.transform(test).dtype == np.float32
    assert pipe.transform(test, dtype="float16").dtype == np.float16
    assert pipe.transform(test, dtype="float64").dtype == np.float64
    assert ml.Pipeline(_pipe().steps, dtype="float64").fit(train, y="y").transform(test).dtype == np.float64
    x64 = pipe.transform(test, dtype="float64")
    np.testing.assert_array_equal(pipe.transform(test), x64.astype(np.float32))  # one rounding
    with pytest.raises(ml.InvalidOperationError, match="unknown output dtype"):
        pipe.transform(test, dtype="int32")
    with pytest.raises(ml.InvalidOperationError, match=r"call pipeline\.quantize"):
        pipe.transform(test, dtype="int8")


def test_quantize_int8(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    params = pipe.quantize()
    assert params.columns == ["feature", "scale", "zero_point", "min", "max"]
    q = pipe.transform(test, dtype="int8")
    assert q.dtype == np.int8
    x = pipe.transform(test, dtype="float64")
    scale = np.array(params["scale"].to_list())
    zp = np.array(params["zero_point"].to_list())
    deq = (q.astype(np.float64) - zp) * scale
    lo, hi = np.array(params["min"].to_list()), np.array(params["max"].to_list())
    inside = (x >= lo) & (x <= hi)
    assert np.all(np.abs(deq - x)[inside] <= scale.repeat(len(x)).reshape(len(scale), -1).T[inside] / 2 + 1e-12)
    assert bits_equal(q, pipe.transform_rows(test.to_dicts(), dtype="int8"))
    with pytest.raises(ml.InvalidOperationError, match="only dtype='int8'"):
        pipe.quantize("int4")
    calibrated = pipe.quantize(data=test)
    assert calibrated.height == len(pipe.features_)


def test_sparse_and_frame_output(data: tuple) -> None:
    sp = pytest.importorskip("scipy.sparse")
    train, test = data
    pipe = _pipe().fit(train, y="y")
    dense = pipe.transform(test)
    csr = pipe.transform(test, output="sparse")
    assert sp.issparse(csr) and csr.format == "csr" and csr.dtype == np.float32
    np.testing.assert_array_equal(csr.toarray(), np.nan_to_num(dense, nan=np.nan))
    out = pipe.transform(test, output="frame")
    assert out.columns == pipe.get_feature_names_out()
    assert out.schema["f"] == pa.float32()
    with pytest.raises(ml.InvalidOperationError, match="unknown output"):
        pipe.transform(test, output="xml")
    with pytest.raises(ml.InvalidOperationError, match="no float16"):
        pipe.transform(test, output="sparse", dtype="float16")
    # one-hot features consumed by a later step leave holes in the shared code block
    df = fr.DataFrame({"c": ["a", "b", "c", "a"]})
    part = ml.Pipeline([ml.OneHot("c"), ml.Standardize(["c=b"])]).fit(df)
    assert np.array_equal(part.transform(df, output="sparse").toarray(), part.transform(df))


def test_to_torch_dlpack(data: tuple) -> None:
    torch = pytest.importorskip("torch")
    train, test = data
    pipe = _pipe().fit(train, y="y")
    t = pipe.to_torch(test)
    assert t.dtype == torch.float32
    np.testing.assert_array_equal(t.numpy(), pipe.transform(test))


def test_torch_dataset_batches(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    ds = ml.TorchDataset(pipe, test, target="y")
    assert len(ds) == test.height
    x = pipe.transform(test)
    batch = ds.__getitems__([3, 0, 7])
    assert len(batch) == 3
    np.testing.assert_array_equal(np.asarray(batch[0][0]), x[3])
    assert float(batch[2][1]) == test["y"].to_list()[7]
    single = ds[5]
    np.testing.assert_array_equal(np.asarray(single[0]), x[5])
    features_only = ml.TorchDataset(pipe, test)
    np.testing.assert_array_equal(np.asarray(features_only.__getitems__([1])[0]), x[1])


def test_torch_dataloader(data: tuple) -> None:
    torch = pytest.importorskip("torch")
    train, test = data
    pipe = _pipe().fit(train, y="y")
    loader = torch.utils.data.DataLoader(ml.TorchDataset(pipe, test, target="y"), batch_size=16)
    xb, yb = next(iter(loader))
    assert xb.shape == (16, len(pipe.features_))
    assert yb.shape == (16,)


# ----------------------------------------------------------------------------- lineage
def test_lineage_maps_features_to_inputs_steps_params(data: tuple) -> None:
    train, _ = data
    pipe = ml.Pipeline([
        ml.Impute("f", add_indicator=True), ml.Standardize("f"),
        ml.GroupAgg("s", "g", aggs=["mean"]), ml.Hash(["s", "k"], cross=True, n_buckets=64),
        ml.OneHot("s"), ml.TargetEncode("k"),
    ]).fit(train, y="y")
    lin = pipe.lineage()
    assert lin.columns == ["feature", "inputs", "steps", "params"]
    rows = {r["feature"]: r for r in lin.to_dicts()}
    assert set(rows) == set(pipe.get_feature_names_out())
    assert rows["f"]["inputs"] == ["f"] and rows["f"]["steps"] == ["impute", "standardize"]
    assert rows["g__mean_by_s"]["inputs"] == ["g", "s"]
    assert rows["s*k"]["inputs"] == ["s", "k"] and rows["s*k"]["steps"] == ["hash"]
    params = json.loads(rows["f"]["params"])
    assert params[1]["class"] == "Standardize"
    assert params[1]["params"]["mean"] == pipe.named_steps["standardize"].state_["f"]["mean"]
    assert json.loads(rows["s=a"]["params"])[0]["params"]["category"] == "a"
    text = pipe.lineage(as_text=True)
    assert text.splitlines()[0].startswith("f <- f: impute(fill=")


# ----------------------------------------------------------------------------- interop
def test_pandas_polars_pyarrow_inputs(data: tuple) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    train, test = data
    pipe = _pipe().fit(train.to_pandas(), y="y")
    expected = _pipe().fit(train, y="y").transform(test)
    assert bits_equal(pipe.transform(test.to_arrow()), expected)
    assert bits_equal(pipe.transform(pl.from_arrow(test.to_arrow())), expected)
    assert isinstance(test.to_pandas(), pd.DataFrame)
    assert bits_equal(_pipe().fit(pl.from_arrow(train.to_arrow()), y="y").transform(test), expected)


def test_sklearn_estimator_accepts_output(data: tuple) -> None:
    lm = pytest.importorskip("sklearn.linear_model")
    train, test = data
    pipe = _pipe().fit(train, y="y")
    x = np.nan_to_num(pipe.fit_transform(train, y="y"))
    model = lm.LogisticRegression(max_iter=200).fit(x, np.asarray(train["y"].to_list()))
    proba = model.predict_proba(np.nan_to_num(pipe.transform(test)))
    assert proba.shape == (test.height, 2)
    row = np.nan_to_num(pipe.transform_row(test.to_dicts()[0]))[None, :]
    assert model.predict_proba(row).shape == (1, 2)


def test_y_as_array_series_and_errors(data: tuple) -> None:
    train, _ = data
    y = np.asarray(train["y"].to_list())
    a = ml.Pipeline([ml.TargetEncode("s")]).fit(train.drop("y"), y=y)
    b = ml.Pipeline([ml.TargetEncode("s")]).fit(train, y=train["y"])
    c = ml.Pipeline([ml.TargetEncode("s")]).fit(train, y="y")
    assert a.named_steps["targetencode"].state_ == b.named_steps["targetencode"].state_ == c.named_steps["targetencode"].state_
    with pytest.raises(fr.ShapeError, match="y has shape"):
        ml.Pipeline([ml.TargetEncode("s")]).fit(train, y=y[:3])
    with pytest.raises(ml.ColumnNotFoundError, match="'yy' not found"):
        ml.Pipeline([ml.TargetEncode("s")]).fit(train, y="yy")


def test_fit_does_not_mutate_given_steps(data: tuple) -> None:
    train, _ = data
    step = ml.Standardize("f")
    p1 = ml.Pipeline([step]).fit(train)
    assert step.state_ is None
    p2 = ml.Pipeline([step]).fit(train.head(10))
    assert p1.named_steps["standardize"].state_ != p2.named_steps["standardize"].state_
    assert "fitted" in repr(p1) and "Standardize" in repr(p1)


def test_empty_batch_and_zero_rows(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    out = pipe.transform(test.head(0))
    assert out.shape == (0, len(pipe.features_)) and out.dtype == np.float32
    assert pipe.transform_rows([]).shape == (0, len(pipe.features_))


@pytest.mark.parametrize("t", [pa.float32(), pa.float16()])
def test_row_values_round_to_narrow_input_type(t: pa.DataType) -> None:
    train = fr.DataFrame({"x": pa.array([0.1, 0.7, 3.0], t)})
    pipe = ml.Pipeline([ml.Standardize("x")], dtype="float64").fit(train)
    for v in [1 / 3, 0.1, 1e39, -1e39, 65519.0, 70000.0, None]:
        with np.errstate(over="ignore"):
            batch = pipe.transform(fr.DataFrame({"x": pa.array(np.array([np.nan if v is None else v]).astype(t.to_pandas_dtype()), t)}))
        assert bits_equal(pipe.transform_row({"x": v}), batch[0]), v


def test_large_integers_round_like_python_float() -> None:
    big = [2**53 + 1, 2**60 + 3, -(2**63), 2**63 - 1, None]
    df = fr.DataFrame({"n": pa.array(big, pa.int64())})
    pipe = ml.Pipeline([ml.Standardize("n", with_mean=False, with_std=False)], dtype="float64").fit(df)
    expected = [float("nan") if v is None else float(v) for v in big]
    assert bits_equal(pipe.transform(df)[:, 0], np.array(expected))
    pipe.check_parity(df)


def test_unknown_mask_for_hash_groupagg_and_categorical_impute() -> None:
    train = fr.DataFrame({"u": ["a", "b", "a"], "h": ["x", "y", "z"], "c": ["p", None, "p"],
                          "amt": [1.0, 2.0, 3.0]})
    pipe = ml.Pipeline([
        ml.GroupAgg("u", "amt"), ml.Hash("h", n_buckets=8),
        ml.Impute("c", strategy="most_frequent"), ml.OneHot("c"),
    ]).fit(train)
    test = fr.DataFrame({"u": ["a", "new"], "h": ["never-seen", None], "c": [None, "q"],
                         "amt": [2.0, 2.0]})
    mask = pipe.unknown_mask(test)
    assert mask.columns == ["groupagg.u", "groupagg.amt", "hash.h", "impute.c", "onehot.c", "any"]
    # hashing accepts any value (only an unexpected null is flagged); the imputer saw nulls
    assert mask.rows() == [
        (False, False, False, False, False, False),
        (True, False, True, False, True, True),
    ]


def test_unknown_mask_of_records_matches_frame(data: tuple) -> None:
    train, test = data
    pipe = _pipe().fit(train, y="y")
    records = test.drop("y").to_dicts()
    assert pipe.unknown_mask(records).equals(pipe.unknown_mask(test))
    with pytest.raises(ml.ColumnNotFoundError, match="'s' not found"):
        pipe.unknown_mask([{k: v for k, v in records[0].items() if k != "s"}])
    with pytest.raises(ml.SchemaError, match="column 'f'"):
        pipe.unknown_mask([{**records[0], "f": "text"}])
