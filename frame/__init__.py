"""frame: Arrow-backed dataframes with Cython kernels, for ML feature preparation.

>>> import frame as fr
>>> df = fr.DataFrame({"x": [3, 1, 2]})
>>> df.filter(fr.col("x") > 1).sort("x")["x"].to_list()
[2, 3]
"""

from frame import dtypes, exceptions
from frame._core.parallel import get_num_threads, set_num_threads
from frame._show_versions import show_versions
from frame._version import __version__
from frame.dataframe import DataFrame
from frame.dtypes import (
    Binary,
    Boolean,
    Categorical,
    Date,
    Datetime,
    Decimal,
    Duration,
    Float32,
    Float64,
    Int8,
    Int16,
    Int32,
    Int64,
    LargeString,
    Null,
    String,
    StringView,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
)
from frame.exceptions import (
    ColumnNotFoundError,
    ComputeError,
    DuplicateError,
    FrameError,
    InvalidOperationError,
    SchemaError,
    ShapeError,
    UnsupportedTypeError,
)
from frame.expr import Expr, all, col, corr, cov, len, lit, when
from frame.functions import concat, from_arrow, from_dicts, from_numpy, from_pandas, from_polars
from frame.io import read_csv, read_ipc, read_parquet, write_csv, write_ipc, write_parquet
from frame.series import Series

__all__ = [
    "Binary", "Boolean", "Categorical", "ColumnNotFoundError", "ComputeError", "DataFrame",
    "Date", "Datetime", "Decimal", "DuplicateError", "Duration", "Expr", "Float32", "Float64",
    "FrameError", "Int8", "Int16", "Int32", "Int64", "InvalidOperationError", "LargeString",
    "Null", "SchemaError", "Series", "ShapeError", "String", "StringView", "UInt8", "UInt16",
    "UInt32", "UInt64", "UnsupportedTypeError", "__version__", "all", "col", "concat", "corr", "cov",
    "dtypes", "exceptions", "from_arrow", "from_dicts", "from_numpy", "from_pandas",
    "from_polars", "get_num_threads", "len", "lit", "read_csv", "read_ipc", "read_parquet",
    "set_num_threads", "show_versions", "when", "write_csv", "write_ipc", "write_parquet",
]
