"""frame.ml: fitted feature pipelines that train on frames and serve one record in microseconds.

Steps are fit/transform objects over frame DataFrames with explicit fitted state
(``step.state_``). A :class:`Pipeline` composes them; a fitted pipeline transforms batches
(``transform``) and single records (``transform_row`` / ``transform_rows``) with bit-for-bit
identical results, reports out-of-support inputs (``unknown_mask``; for one record
``transform_row(row, return_unknown=True)``), explains every feature
(``lineage``), quantizes to int8 and saves to JSON + Arrow IPC without pickle (``save`` /
:func:`load`).

Examples
--------
>>> import frame as fr
>>> from frame import ml
>>> df = fr.DataFrame({"amount": [10.0, None, 30.0], "country": ["NO", "PE", "NO"]})
>>> pipe = ml.Pipeline([
...     ml.Impute(ml.by_dtype("numeric"), strategy="median", add_indicator=True),
...     ml.Standardize("amount"),
...     ml.OneHot(ml.by_dtype("string")),
... ]).fit(df)
>>> pipe.get_feature_names_out()
['amount', 'amount__missing', 'country=NO', 'country=PE']
>>> row = {"amount": 30.0, "country": "NO"}
>>> bool((pipe.transform_row(row) == pipe.transform(fr.DataFrame([row]))[0]).all())
True
"""

from frame.exceptions import (
    ColumnNotFoundError,
    FrameError,
    InvalidOperationError,
    SchemaError,
)
from frame.ml._base import (
    LoadError,
    NotFittedError,
    RowUnknown,
    Selector,
    Step,
    by_dtype,
    by_name,
    by_pattern,
)
from frame.ml._categorical import (
    CountEncode,
    FrequencyEncode,
    GroupAgg,
    Hash,
    OneHot,
    Ordinal,
    TargetEncode,
)
from frame.ml._numeric import (
    Bins,
    Clip,
    Impute,
    Log1p,
    MinMaxScale,
    PowerTransform,
    QuantileBins,
    Standardize,
)
from frame.ml._output import TorchDataset
from frame.ml._persist import load
from frame.ml._pipeline import Pipeline
from frame.ml._temporal import DateTimeFeatures

__all__ = [
    "Bins",
    "Clip",
    "ColumnNotFoundError",
    "CountEncode",
    "DateTimeFeatures",
    "FrameError",
    "FrequencyEncode",
    "GroupAgg",
    "Hash",
    "Impute",
    "InvalidOperationError",
    "LoadError",
    "Log1p",
    "MinMaxScale",
    "NotFittedError",
    "OneHot",
    "Ordinal",
    "Pipeline",
    "PowerTransform",
    "QuantileBins",
    "RowUnknown",
    "SchemaError",
    "Selector",
    "Standardize",
    "Step",
    "TargetEncode",
    "TorchDataset",
    "by_dtype",
    "by_name",
    "by_pattern",
    "load",
]
