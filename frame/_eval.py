"""Evaluate expression trees against a ``pyarrow.Table``.

``evaluate`` returns either a ``pa.ChunkedArray`` of the table's height or a ``pa.Scalar``
(literals and aggregations), which callers broadcast. One evaluator per operation lives in
``_EVALUATORS``; pyarrow errors are translated into frame errors that name the expression and
the types involved.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from frame import _ops
from frame._core.hashing import factorize
from frame._core.parallel import n_threads_for
from frame.dtypes import is_numeric, is_string_like, type_name
from frame.exceptions import (
    ColumnNotFoundError,
    ComputeError,
    DuplicateError,
    InvalidOperationError,
    SchemaError,
    ShapeError,
    UnsupportedTypeError,
)
from frame.expr import WINDOW_FUNCTIONS, Expr

Value = pa.ChunkedArray | pa.Scalar

_INT64_MAX = 2**63 - 1


# ------------------------------------------------------------------------------------ planning
def expand(exprs: list[Any], schema: pa.Schema) -> list[Expr]:
    """Turn user input (names, expressions, multi-column selectors) into single-output exprs."""
    out: list[Expr] = []
    for item in exprs:
        if isinstance(item, str):
            item = Expr("col", (), {"name": item})
        elif not isinstance(item, Expr):
            from frame.expr import _to_expr

            item = _to_expr(item)
        selector = _find_selector(item)
        if selector is None:
            out.append(item)
            continue
        for name in _selector_names(selector, schema):
            out.append(_replace(item, selector, Expr("col", (), {"name": name})))
    return out


def _find_selector(expr: Expr) -> Expr | None:
    if expr.op == "cols":
        return expr
    for arg in expr.args:
        found = _find_selector(arg)
        if found is not None:
            return found
    return None


def _selector_names(selector: Expr, schema: pa.Schema) -> list[str]:
    params = selector.params
    if "dtypes" in params:
        return [f.name for f in schema if f.type in params["dtypes"]]
    names = params["names"]
    if names is None:
        return list(schema.names)
    for name in names:
        if name not in schema.names:
            raise ColumnNotFoundError.for_name(name, schema.names)
    return list(names)


def _replace(expr: Expr, target: Expr, replacement: Expr) -> Expr:
    if expr is target:
        return replacement
    if not expr.args:
        return expr
    new = Expr(expr.op, [_replace(a, target, replacement) for a in expr.args], expr.params)
    return new


def check_unique_names(names: list[str]) -> None:
    """Raise DuplicateError when two outputs share a name."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DuplicateError(
                f"the output column name {name!r} appears more than once; "
                "give the expressions distinct names with .alias(...)"
            )
        seen.add(name)


def broadcast(value: Value, height: int, name: str) -> pa.ChunkedArray:
    """A full-height column from an evaluated value (scalars are repeated)."""
    if isinstance(value, pa.Scalar):
        return pa.chunked_array([pa.repeat(value, height)], type=value.type)
    if len(value) != height:
        if len(value) == 1:
            return pa.chunked_array([pa.repeat(value[0], height)], type=value.type)
        raise ShapeError(
            f"expression for column {name!r} produced {len(value)} rows but the frame has "
            f"{height}; only aggregations (1 value) are broadcast"
        )
    return value


# ------------------------------------------------------------------------------------ evaluation
_POOL: ThreadPoolExecutor | None = None
_POOL_PREFIX = "frame-eval"


def _pool(workers: int) -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None or _POOL._max_workers != workers:
        if _POOL is not None:
            _POOL.shutdown(wait=False)
        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_POOL_PREFIX)
    return _POOL


def evaluate_all(exprs: Sequence[Expr], table: pa.Table) -> list[Value]:
    """Evaluate independent expressions against ``table``, in order.

    Several expressions over a large table run on a thread pool of ``frame.set_num_threads``
    workers: pyarrow's compute functions and frame's kernels release the GIL, so the columns of
    one ``select`` are computed side by side, as polars does. Results and the error raised (the
    first failing expression's) do not depend on the schedule. Expressions evaluated inside a
    pool thread (a nested select) run serially there, so the pool cannot wait on itself.
    """
    workers = min(len(exprs), n_threads_for(table.num_rows))
    if workers < 2 or threading.current_thread().name.startswith(_POOL_PREFIX):
        return [evaluate(e, table) for e in exprs]
    futures = [_pool(workers).submit(evaluate, e, table) for e in exprs]
    return [f.result() for f in futures]


def evaluate(expr: Expr, table: pa.Table) -> Value:
    """Evaluate one (expanded) expression against ``table``."""
    fn = _EVALUATORS.get(expr.op)
    if fn is None:
        raise InvalidOperationError(f"operation {expr.op!r} cannot be evaluated here")
    try:
        return fn(expr, table)
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError) as err:
        raise SchemaError(f"{expr!r} is not defined for these types: {_clean(err)}") from err
    except pa.ArrowInvalid as err:
        raise ComputeError(f"{expr!r} failed: {_clean(err)}") from err


def _clean(err: Exception) -> str:
    msg = str(err).strip().splitlines()
    return msg[0] if msg else type(err).__name__


def _args(expr: Expr, table: pa.Table) -> list[Value]:
    return [_computable(evaluate(a, table)) for a in expr.args]


def _computable(value: Value) -> Value:
    """pyarrow.compute has few kernels for the view layouts: compute on plain strings/binary."""
    t = value.type
    if pat.is_string_view(t):
        return value.cast(pa.large_string())
    if pat.is_binary_view(t):
        return value.cast(pa.large_binary())
    if pat.is_dictionary(t) and (pat.is_string_view(t.value_type) or pat.is_binary_view(t.value_type)):
        return value.cast(t.value_type).cast(pa.large_string() if pat.is_string_view(t.value_type) else pa.large_binary())
    return value


def _eval_col(expr: Expr, table: pa.Table) -> Value:
    name = expr.params["name"]
    try:
        return table.column(name)
    except KeyError:
        raise ColumnNotFoundError.for_name(name, table.column_names) from None


def _eval_lit(expr: Expr, table: pa.Table) -> Value:
    value, dtype = expr.params["value"], expr.params["dtype"]
    if isinstance(value, pa.Scalar):
        return value if dtype is None else value.cast(dtype)
    if dtype is None and isinstance(value, int) and not isinstance(value, bool) and value > _INT64_MAX:
        dtype = pa.uint64()  # too big for int64: the only type that can hold it
    try:
        return pa.scalar(value, type=dtype)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as err:
        raise SchemaError(f"cannot make a literal of {value!r}: {_clean(err)}") from err


def _eval_series(expr: Expr, table: pa.Table) -> Value:
    series = expr.params["series"]
    return series.to_arrow_chunked()


def _eval_alias(expr: Expr, table: pa.Table) -> Value:
    return evaluate(expr.args[0], table)


def _dtype(v: Value) -> pa.DataType:
    return v.type


def _decode(v: Value) -> Value:
    """Dictionary → plain values (for functions without dictionary kernels)."""
    if pat.is_dictionary(v.type):
        return v.cast(v.type.value_type)
    return v


def _adapt_literals(expr: Expr, values: list[Value]) -> list[Value]:
    """Give untyped Python literals the type of the column they meet (``int32 + 1`` stays
    int32, ``float32 * 0.5`` stays float32) when the value fits exactly."""
    if len(values) != 2:
        return values
    out = list(values)
    for i in (0, 1):
        a, other = expr.args[i], values[1 - i]
        if a.op != "lit" or a.params["dtype"] is not None or not isinstance(values[i], pa.Scalar):
            continue
        if isinstance(other, pa.Scalar):
            continue
        target = other.type
        val = values[i]
        if pat.is_integer(target) and pat.is_integer(val.type) and val.is_valid:
            with contextlib.suppress(pa.ArrowInvalid, OverflowError):
                out[i] = val.cast(target)  # safe cast: raises if it does not fit
        elif pat.is_floating(target) and (pat.is_floating(val.type) or pat.is_integer(val.type)):
            out[i] = val.cast(target, safe=False)
        elif pat.is_null(val.type):
            out[i] = pa.scalar(None, type=target)
    return out


def _binary(name: str, checked: bool = False) -> Callable[[Expr, pa.Table], Value]:
    fn = getattr(pc, f"{name}_checked" if checked else name)

    def evaluator(expr: Expr, table: pa.Table) -> Value:
        left, right = _adapt_literals(expr, _args(expr, table))
        if is_string_like(left.type) and pat.is_dictionary(left.type) and name in ("add",):
            left = _decode(left)
        return fn(left, right)

    return evaluator


def _eval_truediv(expr: Expr, table: pa.Table) -> Value:
    left, right = _adapt_literals(expr, _args(expr, table))
    if not pat.is_floating(left.type) and not pat.is_decimal(left.type):
        left = pc.cast(left, pa.float64())
    if not pat.is_floating(right.type) and not pat.is_decimal(right.type):
        right = pc.cast(right, pa.float64())
    return pc.divide(left, right)


def _floordiv_values(left: Value, right: Value) -> Value:
    if pat.is_unsigned_integer(left.type) and pat.is_unsigned_integer(right.type):
        return pc.divide_checked(left, right)  # no negative values: truncation is floor
    if pat.is_integer(left.type) and pat.is_integer(right.type):
        trunc = pc.divide_checked(left, right)
        rem = pc.subtract(left, pc.multiply(trunc, right))
        neg_rem = pc.less(rem, pa.scalar(0, rem.type))
        neg_div = pc.less(right, pa.scalar(0, right.type) if isinstance(right, pa.Scalar) else 0)
        adjust = pc.and_(pc.not_equal(rem, pa.scalar(0, rem.type)), pc.not_equal(neg_rem, neg_div))
        return pc.subtract(trunc, pc.cast(adjust, trunc.type))
    return pc.floor(pc.divide(left, right))


def _eval_floordiv(expr: Expr, table: pa.Table) -> Value:
    left, right = _adapt_literals(expr, _args(expr, table))
    return _floordiv_values(left, right)


def _eval_mod(expr: Expr, table: pa.Table) -> Value:
    left, right = _adapt_literals(expr, _args(expr, table))
    q = _floordiv_values(left, right)
    return pc.subtract(left, pc.multiply(q, right))


def _eval_pow(expr: Expr, table: pa.Table) -> Value:
    left, right = _adapt_literals(expr, _args(expr, table))
    return pc.power_checked(left, right)


def _eval_eq_missing(expr: Expr, table: pa.Table) -> Value:
    left, right = _adapt_literals(expr, _args(expr, table))
    both_null = pc.and_(pc.is_null(left), pc.is_null(right))
    eq = pc.fill_null(pc.equal(left, right), False)
    return pc.or_(eq, both_null)


def _unary(fn: Callable[..., Value], *, decode: bool = False, **kwargs: Any):
    def evaluator(expr: Expr, table: pa.Table) -> Value:
        (value,) = _args(expr, table)
        if decode:
            value = _decode(value)
        return fn(value, **kwargs)

    return evaluator


def _require_numeric(value: Value, what: str, expr: Expr) -> None:
    if not (is_numeric(value.type) or pat.is_null(value.type)):
        raise UnsupportedTypeError(
            f"{what} needs a numeric column, but {expr.args[0]!r} is {type_name(value.type)}; "
            "cast it first with .cast(...)"
        )


def _float_fn(fn: Callable[..., Value], what: str):
    def evaluator(expr: Expr, table: pa.Table) -> Value:
        (value,) = _args(expr, table)
        _require_numeric(value, what, expr)
        if not pat.is_floating(value.type):
            value = pc.cast(value, pa.float64())
        return fn(value)

    return evaluator


def _eval_log(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    _require_numeric(value, "log", expr)
    if not pat.is_floating(value.type):
        value = pc.cast(value, pa.float64())
    base = expr.params["base"]
    if base == math.e:
        return pc.ln(value)
    if base == 10.0:
        return pc.log10(value)
    if base == 2.0:
        return pc.log2(value)
    return pc.divide(pc.ln(value), pa.scalar(math.log(base), value.type))


def _eval_round(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    _require_numeric(value, "round", expr)
    if pat.is_integer(value.type):
        return value
    return pc.round(value, ndigits=expr.params["decimals"], round_mode="half_to_even")


def _eval_floor_ceil(fn: Callable[..., Value], what: str):
    def evaluator(expr: Expr, table: pa.Table) -> Value:
        (value,) = _args(expr, table)
        _require_numeric(value, what, expr)
        if pat.is_integer(value.type):
            return value
        return fn(value)

    return evaluator


def _eval_clip(expr: Expr, table: pa.Table) -> Value:
    values = _args(expr, table)
    x = values[0]
    if not pat.is_temporal(x.type):
        _require_numeric(x, "clip", expr)
    pos = 1
    if expr.params["lower"]:
        lo = _adapt_literals(Expr("clip", (expr.args[0], expr.args[pos])), [x, values[pos]])[1]
        x = pc.if_else(pc.less(x, lo), lo, x)
        pos += 1
    if expr.params["upper"]:
        hi = _adapt_literals(Expr("clip", (expr.args[0], expr.args[pos])), [x, values[pos]])[1]
        x = pc.if_else(pc.greater(x, hi), hi, x)
    return x


def _eval_cast(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    target, strict = expr.params["dtype"], expr.params["strict"]
    if value.type == target:
        return value
    try:
        if pat.is_dictionary(target) and not pat.is_dictionary(value.type):
            plain = pc.cast(value, target.value_type)
            if isinstance(plain, pa.Scalar):
                return plain.cast(target)
            return pa.chunked_array(
                [c.dictionary_encode().cast(target) for c in plain.chunks], type=target
            )
        return pc.cast(value, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as err:
        if isinstance(err, pa.ArrowNotImplementedError | pa.ArrowTypeError):
            raise SchemaError(
                f"cannot cast {expr.args[0]!r} from {type_name(value.type)} to "
                f"{type_name(target)}: no such conversion"
            ) from err
        if strict:
            raise InvalidOperationError(
                f"cannot cast {expr.args[0]!r} from {type_name(value.type)} to "
                f"{type_name(target)}: {_clean(err)}; use .cast(..., strict=False) to turn "
                "such values into null"
            ) from err
    return _cast_lenient(value, target)


def _cast_lenient(value: Value, target: pa.DataType) -> Value:
    """Element-by-element cast where failures become null (the slow, rare path)."""

    def one(s: pa.Scalar) -> pa.Scalar:
        try:
            return s.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError, ValueError):
            return pa.scalar(None, type=target)

    if isinstance(value, pa.Scalar):
        return one(value)
    out = [one(s).as_py() for s in value]
    return pa.chunked_array([pa.array(out, type=target)], type=target)


def _eval_fill_null(expr: Expr, table: pa.Table) -> Value:
    value, fill = _args(expr, table)
    if pat.is_null(value.type):
        if isinstance(value, pa.Scalar):
            return fill
        return broadcast(fill, len(value), "fill_null") if isinstance(fill, pa.Scalar) else fill
    if fill.type != value.type:
        try:
            fill = pc.cast(fill, value.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as err:
            raise SchemaError(
                f"fill_null value of type {type_name(fill.type)} does not fit {expr.args[0]!r} "
                f"of type {type_name(value.type)}; cast the value first"
            ) from err
    if pat.is_dictionary(value.type):
        value, fill = _decode(value), _decode(fill)
        return _reencode(pc.coalesce(value, fill))
    return pc.coalesce(value, fill)


def _reencode(value: Value) -> Value:
    if isinstance(value, pa.Scalar):
        return value
    return pa.chunked_array([c.dictionary_encode() for c in value.chunks]) if value.num_chunks else value


def _eval_fill_null_strategy(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    if isinstance(value, pa.Scalar):
        return value
    strategy = expr.params["strategy"]
    if strategy in ("forward", "backward"):
        if not value.num_chunks:
            return value
        fill = pc.fill_null_forward if strategy == "forward" else pc.fill_null_backward
        if pat.is_dictionary(value.type):  # no dictionary kernel: fill the values, re-encode
            return _reencode(fill(_decode(value)))
        return fill(value)
    if strategy in ("min", "max"):
        fill = (pc.min if strategy == "min" else pc.max)(value)
    elif strategy == "mean":
        _require_numeric(value, "fill_null(strategy='mean')", expr)
        fill = pc.mean(value)
        if pat.is_integer(value.type):
            value = pc.cast(value, pa.float64())
    else:
        _require_numeric(value, f"fill_null(strategy={strategy!r})", expr)
        fill = pa.scalar(0 if strategy == "zero" else 1).cast(value.type)
    return pc.coalesce(value, fill.cast(value.type))


def _eval_fill_nan(expr: Expr, table: pa.Table) -> Value:
    value, fill = _args(expr, table)
    if not pat.is_floating(value.type):
        return value  # integers have no NaN
    fill = pc.cast(fill, value.type) if fill.type != value.type else fill
    nan = pc.fill_null(pc.is_nan(value), False)
    return pc.if_else(nan, fill, value)


def _eval_is_nan(expr: Expr, table: pa.Table, negate: bool = False) -> Value:
    (value,) = _args(expr, table)
    if not (pat.is_floating(value.type) or is_numeric(value.type) or pat.is_null(value.type)):
        raise UnsupportedTypeError(
            f"is_nan needs a float column, but {expr.args[0]!r} is {type_name(value.type)}"
        )
    if pat.is_floating(value.type):
        out = pc.is_nan(value)
    else:
        out = pc.if_else(pc.is_null(value), pa.scalar(None, pa.bool_()), False)
    return pc.invert(out) if negate else out


def _eval_is_finite(expr: Expr, table: pa.Table, infinite: bool = False) -> Value:
    (value,) = _args(expr, table)
    if pat.is_floating(value.type):
        return pc.is_inf(value) if infinite else pc.is_finite(value)
    _require_numeric(value, "is_finite", expr)
    return pc.if_else(pc.is_null(value), pa.scalar(None, pa.bool_()), not infinite)


def _eval_is_in(expr: Expr, table: pa.Table) -> Value:
    values = _args(expr, table)
    x = values[0]
    if len(values) == 2:
        candidates = values[1]
        if isinstance(candidates, pa.Scalar):
            candidates = pa.array([candidates.as_py()], type=candidates.type)
        else:
            candidates = candidates.combine_chunks()
    else:
        raw = expr.params["values"]
        if isinstance(raw, pa.Array | pa.ChunkedArray):
            candidates = raw
        else:
            raw = list(raw)
            target = x.type.value_type if pat.is_dictionary(x.type) else x.type
            try:
                candidates = pa.array(raw, type=None if pat.is_null(target) else target)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as err:
                raise SchemaError(
                    f"is_in values {raw[:5]!r} do not fit {expr.args[0]!r} of type "
                    f"{type_name(x.type)}"
                ) from err
    if isinstance(candidates, pa.ChunkedArray):
        candidates = candidates.combine_chunks()
    base = _decode(x)
    if pat.is_dictionary(candidates.type):
        candidates = candidates.cast(candidates.type.value_type)
    if candidates.type != base.type and not pat.is_null(base.type):
        try:
            candidates = candidates.cast(base.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
            raise SchemaError(
                f"is_in values of type {type_name(candidates.type)} cannot be compared with "
                f"{expr.args[0]!r} of type {type_name(x.type)}"
            ) from err
    result = pc.is_in(base, value_set=candidates, skip_nulls=True)
    return pc.if_else(pc.is_null(base), pa.scalar(None, pa.bool_()), result)


def _common_type(types: list[pa.DataType]) -> pa.DataType:
    real = [t for t in types if not pat.is_null(t)]
    if not real:
        return pa.null()
    first = real[0]
    if all(t == first for t in real):
        return first
    if all(is_string_like(t) for t in real):
        return pa.large_string() if any(pat.is_large_string(t) for t in real) else pa.string()
    if all(pat.is_integer(t) or pat.is_floating(t) for t in real):
        if any(pat.is_floating(t) for t in real):
            return pa.float64()
        if all(pat.is_signed_integer(t) for t in real) or all(
            pat.is_unsigned_integer(t) for t in real
        ):
            return max(real, key=lambda t: t.bit_width)
        return pa.int64()
    names = ", ".join(type_name(t) for t in real)
    raise SchemaError(f"when/then/otherwise values have incompatible types: {names}")


def _eval_when(expr: Expr, table: pa.Table) -> Value:
    values = _args(expr, table)
    conds = values[0:-1:2]
    thens = values[1:-1:2]
    other = values[-1]
    height = table.num_rows
    all_scalar = all(isinstance(v, pa.Scalar) for v in values)
    target = _common_type([v.type for v in [*thens, other]])

    def as_array(v: Value, name: str) -> pa.Array:
        if isinstance(v, pa.Scalar):
            return pa.repeat(v, 1 if all_scalar else height)
        return v.combine_chunks()

    for c in conds:
        if not (pat.is_boolean(c.type) or pat.is_null(c.type)):
            raise SchemaError(f"when() needs a boolean condition, got {type_name(c.type)}")
    cond_arrays = [pc.fill_null(as_array(c, "cond").cast(pa.bool_()), False) for c in conds]
    choices = [as_array(v, "value").cast(target) for v in [*thens, other]]
    if pat.is_dictionary(target):
        choices = [c.cast(target.value_type) for c in choices]
    if len(cond_arrays) == 1:  # if_else skips case_when's struct of conditions (~20% faster)
        result = pc.if_else(cond_arrays[0], *choices)
    else:
        result = pc.case_when(
            pc.make_struct(*cond_arrays, field_names=[f"c{i}" for i in range(len(cond_arrays))]),
            *choices,
        )
    if all_scalar:
        return result[0]
    return pa.chunked_array([result])


def _eval_not(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    if pat.is_boolean(value.type) or pat.is_null(value.type):
        return pc.invert(value.cast(pa.bool_()))
    if pat.is_integer(value.type):
        return pc.bit_wise_not(value)
    raise UnsupportedTypeError(f"~ needs a boolean column, got {type_name(value.type)}")


def _logic(fn: Callable[..., Value], name: str):
    def evaluator(expr: Expr, table: pa.Table) -> Value:
        left, right = _args(expr, table)
        for side in (left, right):
            if not (pat.is_boolean(side.type) or pat.is_null(side.type)):
                raise SchemaError(
                    f"{name} needs boolean operands, got {type_name(left.type)} and "
                    f"{type_name(right.type)}; compare first (e.g. col('x') > 0)"
                )
        return fn(left.cast(pa.bool_()), right.cast(pa.bool_()))

    return evaluator


def _str_fn(fn: Callable[..., Value], *, costly: Callable[[dict[str, Any]], bool] | None = None,
            **fixed: Any):
    """An evaluator for a string function. ``costly(params)`` says whether the call costs far
    more per value than hashing the value (regular expressions): then low-cardinality chunks
    are evaluated once per distinct value (:func:`_on_distinct_values`)."""

    def evaluator(expr: Expr, table: pa.Table) -> Value:
        (value,) = _args(expr, table)
        if not (is_string_like(value.type) or pat.is_null(value.type)):
            raise UnsupportedTypeError(
                f"str.{expr.op.removeprefix('str_')} needs a string column, but "
                f"{expr.args[0]!r} is {type_name(value.type)}; cast it with .cast(fr.String)"
            )
        params = dict(expr.params)
        params.update(fixed)
        per_distinct = costly is not None and costly(params)
        return _on_distinct_values(value, lambda v: fn(v, params), per_distinct)

    return evaluator


# A regular expression costs 50-300 ns per value, factorizing a short string about 10-20 ns, and
# most string columns of real tables are categories, codes or labels with few distinct values.
# For such a function, a chunk whose leading DISTINCT_SAMPLE rows hold at most DISTINCT_MAX_RATIO
# distinct values is factorized, the function runs on its distinct values and the results are
# gathered by code; otherwise (and once a chunk turns out to have many distinct values, for the
# rest of the column) the function runs on every row. Cheap functions (lengths, prefixes,
# case mapping) always run on every row: factorizing would cost more than it saves.
DISTINCT_MIN_ROWS = 1024
DISTINCT_SAMPLE = 4096
DISTINCT_MAX_RATIO = 0.5


def _on_distinct_values(value: Value, fn: Callable[[Value], Value], per_distinct: bool = False) -> Value:
    """Apply an elementwise function once per distinct value -- of a dictionary always, of
    low-cardinality string chunks when ``per_distinct`` -- then gather the results by code."""
    if isinstance(value, pa.Scalar):
        return fn(_decode(value))
    if pat.is_dictionary(value.type):
        chunks = [fn(chunk.dictionary).take(chunk.indices) for chunk in value.chunks]
        return pa.chunked_array(chunks) if chunks else fn(_decode(value))
    if not per_distinct or not (pat.is_string(value.type) or pat.is_large_string(value.type)):
        return fn(value)  # (views: pyarrow has no take for them)
    chunks = []
    for chunk in value.chunks:
        if per_distinct and len(chunk) >= DISTINCT_MIN_ROWS:
            sample = chunk.slice(0, DISTINCT_SAMPLE)
            per_distinct = factorize(sample)[1] <= DISTINCT_MAX_RATIO * len(sample)
            if per_distinct:
                codes, n_distinct, first = factorize(chunk)
                per_distinct = n_distinct <= DISTINCT_MAX_RATIO * len(chunk)
                if per_distinct:
                    chunks.append(fn(chunk.take(first)).take(codes))
                    continue
        chunks.append(fn(chunk))
    return pa.chunked_array(chunks, type=fn(value.chunks[0][:0]).type) if chunks else fn(value)


def _string_contains(v: Value, p: dict[str, Any]) -> Value:
    if p["literal"]:
        return pc.match_substring(v, p["pattern"])
    return pc.match_substring_regex(v, p["pattern"])


def _string_replace(v: Value, p: dict[str, Any]) -> Value:
    if p["literal"]:
        return pc.replace_substring(v, p["pattern"], p["value"])
    return pc.replace_substring_regex(v, p["pattern"], p["value"])


def _string_slice(v: Value, p: dict[str, Any]) -> Value:
    start = p["offset"]
    stop = None if p["length"] is None else start + p["length"]
    if stop is None:
        stop = 2**31 - 1 if start >= 0 else 0
        if start < 0:
            return pc.utf8_slice_codeunits(v, start=start, stop=2**31 - 1)
    return pc.utf8_slice_codeunits(v, start=start, stop=stop)


def _strip(v: Value, p: dict[str, Any]) -> Value:
    if p.get("characters") is None:
        return pc.utf8_trim_whitespace(v)
    return pc.utf8_trim(v, characters=p["characters"])


_DT_PARTS: dict[str, Callable[[Value], Value]] = {
    "year": pc.year,
    "quarter": pc.quarter,
    "month": pc.month,
    "day": pc.day,
    "weekday": lambda v: pc.day_of_week(v, count_from_zero=False, week_start=1),
    "ordinal_day": pc.day_of_year,
    "hour": pc.hour,
    "minute": pc.minute,
    "second": pc.second,
}


def _eval_dt_part(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    part = expr.params["part"]
    if not (pat.is_timestamp(value.type) or pat.is_date(value.type) or pat.is_null(value.type)):
        raise UnsupportedTypeError(
            f"dt.{part} needs a date or datetime column, but {expr.args[0]!r} is "
            f"{type_name(value.type)}; parse strings first with .cast(fr.Datetime())"
        )
    if part in ("hour", "minute", "second") and pat.is_date(value.type):
        raise UnsupportedTypeError(f"dt.{part} needs a datetime column; a date has no time of day")
    if part == "date":
        if pat.is_date(value.type):
            return value
        if value.type.tz is not None:
            value = pc.local_timestamp(value)
        return pc.cast(value, pa.date32())
    return _DT_PARTS[part](value)


# ------------------------------------------------------------------------------- aggregations
def _column_of(value: Value) -> pa.ChunkedArray:
    if isinstance(value, pa.Scalar):
        return pa.chunked_array([pa.array([value.as_py()], type=value.type)])
    return value


def _agg_simple(fn: Callable[..., pa.Scalar], what: str, numeric_only: bool = False):
    def evaluator(expr: Expr, table: pa.Table) -> Value:
        (value,) = _args(expr, table)
        x = _column_of(value)
        if numeric_only and not (is_numeric(x.type) or pat.is_boolean(x.type) or pat.is_null(x.type)):
            raise UnsupportedTypeError(
                f"{what} needs a numeric column, but {expr.args[0]!r} is {type_name(x.type)}"
            )
        if pat.is_dictionary(x.type):
            x = _decode(x)
        return fn(x, expr.params)

    return evaluator


def _agg_count(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    x = _column_of(value)
    return pa.scalar(len(x) - x.null_count, pa.int64())


def _agg_len(expr: Expr, table: pa.Table) -> Value:
    if not expr.args:
        return pa.scalar(table.num_rows, pa.int64())
    (value,) = _args(expr, table)
    x = _column_of(value) if isinstance(value, pa.Scalar) else value
    return pa.scalar(len(x), pa.int64())


def _agg_null_count(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    x = _column_of(value)
    return pa.scalar(x.null_count, pa.int64())


def _agg_n_unique(expr: Expr, table: pa.Table) -> Value:
    (value,) = _args(expr, table)
    x = _column_of(value)
    return pa.scalar(_ops.n_unique(x), pa.int64())


def _agg_bool(which: str):
    def fn(x: pa.ChunkedArray, params: dict[str, Any]) -> pa.Scalar:
        if not (pat.is_boolean(x.type) or pat.is_null(x.type)):
            raise UnsupportedTypeError(f"{which} needs a boolean column, got {type_name(x.type)}")
        x = x.cast(pa.bool_())
        return (pc.any if which == "any" else pc.all)(x, min_count=0)

    return fn


def _eval_filter(expr: Expr, table: pa.Table) -> Value:
    """``x.filter(p)`` on a whole column: the values where ``p`` is true."""
    value, pred = (evaluate(a, table) for a in expr.args)
    height = table.num_rows
    x = broadcast(value, height, expr.output_name())
    mask = _ops.as_mask(broadcast(pred, height, "predicate"), height)
    return _ops.filter_column(x, pc.fill_null(mask, False))


def _whole_column(expr: Expr, table: pa.Table) -> Value:
    """Aggregations computed as one group by the group-by engine (sum, mean, min, max, std, var,
    quantile, product, first, last, arg_min, arg_max, top_k, bottom_k, implode, corr, cov), so a
    whole column and a group follow exactly the same rules."""
    from frame import _aggregate

    result = _aggregate.aggregate(expr, table, _aggregate.whole(table.num_rows))
    if expr.op in ("top_k", "bottom_k"):
        return pa.chunked_array([result.values], type=result.type.value_type)
    return result[0]


def _eval_over(expr: Expr, table: pa.Table) -> Value:
    from frame import _aggregate

    n_order = expr.params.get("n_order", 0)
    inner, *rest = expr.args
    keys = rest[: len(rest) - n_order]
    order_by = rest[len(rest) - n_order :]
    height = table.num_rows
    key_columns = [broadcast(evaluate(k, table), height, k.output_name()) for k in keys]
    if not keys:
        grouping = _aggregate.whole(height)  # over(order_by=...) alone: one group
    elif height == 0:
        grouping = _aggregate.Grouping(np.empty(0, np.int64), 0, np.empty(0, np.int64))
    else:
        grouping = _aggregate.make_grouping(key_columns)
    if order_by:
        return _over_ordered(inner, table, grouping, order_by, expr.params)
    if _contains_window_fn(inner):
        return _over_windows(inner, table, grouping)
    return _aggregate.window(inner, table, grouping)


# --------------------------------------------------------------------------- window functions
# ``shift``, ``diff``, ``cum_*``, ``rolling_*``, ``rolling_*_by``, ``ewm_mean`` and ``rank`` give
# one value per row computed along the rows of a group, walked in frame order: with ``order_by``
# the needed columns are permuted into ``order_by`` order first (stable), the window expression
# is evaluated there, and the result is permuted back onto the original rows. A ``_Layout``
# describes the groups to the kernels (``frame._core.window``): the rows' group codes for the
# streaming kernels (cumulative, shift, ewm, rolling by row count), and, built only when a layout
# kernel needs it (rolling by period, very wide row windows), the counting sort ``(order,
# offsets)`` of ``groupby.group_order``; rank sorts the rows by (group, value) with one argsort.
# The whole column is one group (``codes=None``).


class _Layout:
    """The groups a window function walks: ``codes[i]`` is row ``i``'s group (``None``: one
    group of every row) and ``positions()`` the rows sorted by group (built on first use)."""

    __slots__ = ("_positions", "codes", "height", "n_groups")

    def __init__(self, codes: np.ndarray | None, n_groups: int, height: int) -> None:
        self.codes = codes
        self.n_groups = n_groups
        self.height = height
        self._positions: tuple[np.ndarray | None, np.ndarray] | None = None

    @classmethod
    def of(cls, grouping: Any) -> _Layout:
        if grouping.n_groups <= 1:  # one group (or no rows): the kernels' fast single-group path
            return cls(None, 1, grouping.height)
        return cls(grouping.codes, grouping.n_groups, grouping.height)

    def streams(self, width: int) -> bool:
        """True when a streaming kernel may keep a ring of ``width`` rows per group."""
        from frame._core import window as _win

        return self.codes is None or _win.ring_fits(self.n_groups, width, self.height)

    def streams_rolling(self, left: int, right: int, op: int) -> bool:
        """True when ``rolling_count`` may keep its state and rings per group."""
        from frame._core import window as _win

        return self.codes is None or _win.rolling_fits(self.n_groups, left, right, op,
                                                       self.height)

    def positions(self) -> tuple[np.ndarray | None, np.ndarray]:
        """``(order, offsets)``: group ``g``'s rows are ``order[offsets[g]:offsets[g + 1]]``
        (``order=None``: one group, positions are rows)."""
        from frame._core import groupby as _gb

        if self._positions is None:
            if self.codes is None:
                self._positions = (None, np.array([0, self.height], dtype=np.int64))
            else:
                self._positions = _gb.group_order(self.codes, self.n_groups)
        return self._positions

    def offsets(self) -> np.ndarray:
        """Group ``g`` holds ``offsets[g + 1] - offsets[g]`` rows."""
        from frame._core import groupby as _gb

        if self._positions is not None or self.codes is None:
            return self.positions()[1]
        offsets = np.zeros(self.n_groups + 1, dtype=np.int64)
        np.cumsum(_gb.group_count(self.codes, self.n_groups), out=offsets[1:])
        return offsets


def _contains_window_fn(expr: Expr) -> bool:
    if expr.op in WINDOW_FUNCTIONS:
        return True
    if expr.op == "over":
        return False  # a nested over evaluates its own window functions
    return any(_contains_window_fn(a) for a in expr.args)


def _eval_window_fn(expr: Expr, table: pa.Table) -> Value:
    """A window function on the whole column (one group, frame order)."""
    height = table.num_rows
    args = [broadcast(evaluate(a, table), height, a.output_name()) for a in expr.args]
    return pa.chunked_array([_apply_window_fn(expr, args, _Layout(None, 1, height))])


def _over_windows(expr: Expr, table: pa.Table, grouping: Any,
                  layout: _Layout | None = None) -> pa.ChunkedArray:
    """``expr`` per group: window functions along each group's rows (frame order), then
    aggregations and elementwise parts as ``_aggregate.window`` does."""
    from frame import _aggregate
    from frame.expr import col

    if not _contains_window_fn(expr):
        return _aggregate.window(expr, table, grouping)
    lay = _Layout.of(grouping) if layout is None else layout
    computed: dict[str, pa.Array] = {}

    def walk(e: Expr) -> Expr:
        if e.op in WINDOW_FUNCTIONS:
            args = [_over_windows(a, table, grouping, lay) for a in e.args]
            name = f"__frame_win_{len(computed)}"
            computed[name] = _apply_window_fn(e, args, lay)
            return col(name)
        if e.op == "over" or not e.args:
            return e
        return Expr(e.op, tuple(walk(a) for a in e.args), e.params)

    rewritten = walk(expr)
    augmented = table
    for name, column in computed.items():
        augmented = augmented.append_column(name, pa.chunked_array([column]))
    return _aggregate.window(rewritten, augmented, grouping)


def _column_names(expr: Expr, out: set[str]) -> set[str]:
    if expr.op == "col":
        out.add(expr.params["name"])
    for a in expr.args:
        _column_names(a, out)
    return out


def _series_as_columns(expr: Expr, table: pa.Table) -> tuple[Expr, pa.Table]:
    """Move ``Series`` literals into the table so that they are permuted with the rows."""
    from frame.expr import col

    found: dict[str, pa.ChunkedArray] = {}

    def walk(e: Expr) -> Expr:
        if e.op == "series":
            name = f"__frame_series_{len(found)}"
            found[name] = broadcast(evaluate(e, table), table.num_rows, name)
            return col(name).alias(e.output_name())
        if not e.args:
            return e
        return Expr(e.op, tuple(walk(a) for a in e.args), e.params)

    rewritten = walk(expr)
    for name, column in found.items():
        table = table.append_column(name, column)
    return rewritten, table


def _over_ordered(inner: Expr, table: pa.Table, grouping: Any, order_by: list[Expr],
                  params: dict[str, Any]) -> pa.ChunkedArray:
    from frame import _aggregate
    from frame._core import window as _win

    height = table.num_rows
    order_columns = [broadcast(evaluate(o, table), height, o.output_name()) for o in order_by]
    if height == 0:
        return _over_windows(inner, table, grouping)
    perm = _ops.argsort(order_columns, params["descending"], [params["nulls_last"]] * len(order_by))
    perm = np.ascontiguousarray(perm, dtype=np.int64)
    inner, table = _series_as_columns(inner, table)
    referenced = _column_names(inner, set())
    for name in referenced:
        if name not in table.column_names:
            raise ColumnNotFoundError.for_name(name, table.column_names)
    needed = [n for n in table.column_names if n in referenced]
    permuted = _ops.take_table(table.select(needed), perm) if needed else table.select([])
    if permuted.num_rows != height:  # a table without columns keeps its height
        permuted = pa.table({"__frame_h": pa.nulls(height)}).drop(["__frame_h"])
    codes = np.ascontiguousarray(grouping.codes[perm])
    first = _win.first_rows(codes, grouping.n_groups)
    permuted_grouping = _aggregate.Grouping(codes, grouping.n_groups, first)
    result = _over_windows(inner, permuted, permuted_grouping)
    inverse = np.empty(height, dtype=np.int64)
    inverse[perm] = np.arange(height, dtype=np.int64)
    return pa.chunked_array([_ops.take_column(result, inverse, check_bounds=False)])


def _plain(column: pa.ChunkedArray) -> pa.Array:
    """One contiguous array, dictionaries decoded."""
    return _decode(_ops.single(column)) if len(column) else _decode(column.combine_chunks())


def _window_type_error(expr: Expr, what: str, t: pa.DataType, needs: str) -> UnsupportedTypeError:
    return UnsupportedTypeError(
        f"{what} needs {needs}, but {expr.args[0]!r} is {type_name(t)}; cast it first, e.g. "
        ".cast(fr.Float64)"
    )


def _result(values: np.ndarray, ok: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A kernel's ``(values, ok)`` as ``arrow_type`` (values zero-copy, ``ok`` packed into the
    validity bitmap), as ``_aggregate._to_arrow`` would build it."""
    from frame import _aggregate
    from frame._core import window as _win

    if pat.is_boolean(arrow_type):
        return _aggregate._to_arrow(values, ok.view(bool), arrow_type)
    bitmap, nulls = _win.pack_validity(ok)
    validity = None if bitmap is None else pa.py_buffer(bitmap)
    arr = pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                [validity, pa.py_buffer(values)], null_count=nulls)
    if pat.is_temporal(arrow_type) or pat.is_duration(arrow_type):
        return arr.view(arrow_type)
    return arr.cast(arrow_type)


def _float_out(t: pa.DataType) -> pa.DataType:
    return pa.float32() if pat.is_float32(t) or pat.is_float16(t) else pa.float64()


def _numeric_input(expr: Expr, x: pa.Array, what: str, *, temporal: bool = False,
                   duration: bool = False):
    """The kernel view of ``x`` (numbers and booleans; optionally temporal / duration)."""
    from frame import _aggregate

    t = x.type
    ok = pat.is_integer(t) or pat.is_floating(t) or pat.is_boolean(t)
    ok = ok or (temporal and pat.is_temporal(t)) or (duration and pat.is_duration(t))
    needs = "an integer, float or boolean column" + (" (or a temporal one)" if temporal else "")
    if not ok:
        raise _window_type_error(expr, what, t, needs)
    num = _aggregate._numeric(x)
    if num is None:  # pragma: no cover - every accepted type has a kernel view
        raise _window_type_error(expr, what, t, needs)
    return num


def _apply_window_fn(expr: Expr, args: list[pa.ChunkedArray], layout: _Layout) -> pa.Array:
    """One window function over the layout; the result is aligned with the rows."""
    return _WINDOW_KERNELS[expr.op](expr, args, layout)


def _shift_indices(layout: _Layout, n: int) -> np.ndarray:
    from frame._core import window as _win

    if abs(n) >= layout.height or layout.streams(abs(n)):
        return _win.shift_indices(layout.codes, layout.n_groups, layout.height, n)
    order, offsets = layout.positions()
    return _win.shift_indices_layout(order, offsets, n)


def _win_shift(expr, args, layout):
    x = args[0]
    idx = _shift_indices(layout, expr.params["n"])
    out = _ops.take_column(x, idx, check_bounds=False)
    if not expr.params["fill"]:
        return out
    fill = _plain(args[1]) if len(args[1]) else pa.array([], type=args[1].type)
    target = out.type.value_type if pat.is_dictionary(out.type) else out.type
    out = _decode(out)
    if fill.type != target:
        try:
            fill = fill.cast(target) if not pat.is_null(target) else fill
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as err:
            raise SchemaError(
                f"shift fill_value of type {type_name(fill.type)} does not fit {expr.args[0]!r} "
                f"of type {type_name(target)}; cast the value first"
            ) from err
    if pat.is_null(out.type):
        out = out.cast(fill.type)
    result = pc.if_else(pa.array(idx < 0), fill, out)
    if pat.is_dictionary(x.type):  # keep the categorical type
        result = result.dictionary_encode().cast(x.type)
    return result


def _win_diff(expr, args, layout):
    x = _plain(args[0])
    t = x.type
    idx = _shift_indices(layout, expr.params["n"])
    if pat.is_null(t):
        return pa.nulls(len(x), pa.int64())
    if pat.is_integer(t) or pat.is_boolean(t):
        if pat.is_boolean(t):
            raise _window_type_error(expr, "diff", t, "a numeric or temporal column")
        if pat.is_uint64(t):
            # exact: only a difference that does not fit int64 is an error, not a big value
            wide = x.cast(pa.decimal128(20, 0))
            shifted = _ops.take_column(pa.chunked_array([wide]), idx, check_bounds=False)
            try:
                return pc.subtract_checked(wide, shifted).cast(pa.int64())
            except pa.ArrowInvalid as err:
                raise ComputeError(
                    f"diff of {expr.args[0]!r} does not fit int64; cast the column to float64 "
                    "first"
                ) from err
        x = x.cast(pa.int64())
    elif not (pat.is_floating(t) or pat.is_temporal(t) or pat.is_duration(t)
              or pat.is_decimal(t)):
        raise _window_type_error(expr, "diff", t, "a numeric or temporal column")
    shifted = _ops.take_column(pa.chunked_array([x]), idx, check_bounds=False)
    try:
        return pc.subtract_checked(x, shifted)
    except pa.ArrowInvalid as err:
        raise ComputeError(
            f"diff of {expr.args[0]!r} overflows {type_name(x.type)}: {_clean(err)}; cast the "
            "column to float64 first"
        ) from err


def _win_cum_agg(expr, args, layout):
    from frame._core import window as _win

    fn = expr.params["fn"]
    x = _plain(args[0])
    t = x.type
    arithmetic = fn in ("sum", "prod")
    if pat.is_null(t):
        return pa.nulls(len(x), pa.int64() if arithmetic else pa.null())
    what = f"cum_{fn}"
    if arithmetic:
        num = _numeric_input(expr, x, what, duration=fn == "sum")
    else:
        num = _numeric_input(expr, x, what, temporal=True, duration=True)
    code = {"sum": _win.CUM_SUM, "prod": _win.CUM_PROD, "min": _win.CUM_MIN,
            "max": _win.CUM_MAX}[fn]
    try:
        values, ok = _win.cumulative(num.values, num.valid, num.offset, layout.codes,
                                     layout.n_groups, code, expr.params["reverse"])
    except OverflowError as err:
        raise ComputeError(
            f"{what} of {expr.args[0]!r} overflows int64 (at row {err.args[0]} of its input); "
            "cast the column to float64 (or decimal128) first"
        ) from None
    if not arithmetic:
        out_type = t
    elif pat.is_floating(t):
        out_type = _float_out(t) if pat.is_float16(t) else t
    elif pat.is_duration(t):
        out_type = t
    else:
        out_type = pa.int64()
    return _result(values, ok, out_type)


def _win_cum_count(expr, args, layout):
    from frame._core import window as _win

    x = _ops.single(args[0]) if len(args[0]) else args[0].combine_chunks()
    if pat.is_null(x.type):
        return pa.array(np.zeros(len(x), dtype=np.int64))
    valid = None
    if x.null_count and x.buffers()[0] is not None:
        valid = np.frombuffer(x.buffers()[0], dtype=np.uint8)
    out = _win.cum_count(valid, x.offset, layout.codes, layout.n_groups, len(x),
                         expr.params["reverse"])
    return pa.array(out)


_ROLL_CODES = {"sum": "ROLL_SUM", "mean": "ROLL_MEAN", "min": "ROLL_MIN", "max": "ROLL_MAX",
               "var": "ROLL_VAR", "std": "ROLL_STD"}


def _rolling_values(expr: Expr, args: list[pa.ChunkedArray], kernel: Callable[..., Any],
                    min_samples: int) -> pa.Array:
    """``kernel(values, valid, offset, op, min_samples, ddof)`` on the first argument."""
    from frame._core import window as _win

    x = _plain(args[0])
    t = x.type
    if pat.is_null(t):
        return pa.nulls(len(x), pa.float64())
    name = "rolling_" + expr.params["fn"] + ("_by" if expr.op == "rolling_by" else "")
    num = _numeric_input(expr, x, name)
    code = getattr(_win, _ROLL_CODES[expr.params["fn"]])
    values, ok = kernel(num.values, num.valid, num.offset, code, min_samples,
                        expr.params["ddof"])
    return _result(values, ok, pa.float64()).cast(_float_out(t))


def _win_rolling(expr, args, layout):
    from frame._core import window as _win

    w = expr.params["window_size"]
    if expr.params["center"]:
        left, right = w // 2, w - 1 - w // 2
    else:
        left, right = w - 1, 0
    left, right = min(left, layout.height), min(right, layout.height)

    def kernel(values, valid, offset, op, min_samples, ddof):
        if layout.streams_rolling(left, right, op):
            return _win.rolling_count(values, valid, offset, layout.codes, layout.n_groups, left,
                                      right, op, min_samples, ddof)
        # a ring of the window per group would outgrow the data: walk the sorted rows
        order, offsets = layout.positions()
        return _win.rolling(values, valid, offset, order, offsets, None, None, op, min_samples,
                            ddof, left, right)

    return _rolling_values(expr, args, kernel, expr.params["min_samples"])


_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _by_ticks(expr: Expr, by: pa.Array) -> tuple[np.ndarray, int | None]:
    """``by`` as int64 ticks and the length of one tick in ns (None: an integer column)."""
    t = by.type
    what = f"rolling_{expr.params['fn']}_by"
    if pat.is_null(t) or by.null_count:
        raise InvalidOperationError(
            f"{what}: the `by` column {expr.args[1]!r} has nulls; drop or fill them first"
        )
    if pat.is_timestamp(t) or pat.is_duration(t):
        tick = _UNIT_NS[t.unit]
        ticks = by.view(pa.int64())
    elif pat.is_date32(t):
        tick, ticks = 86400 * 10**9, by.view(pa.int32()).cast(pa.int64())
    elif pat.is_date64(t):
        tick, ticks = 10**6, by.view(pa.int64())
    elif pat.is_integer(t):
        tick = None
        try:
            ticks = by.cast(pa.int64())
        except pa.ArrowInvalid as err:
            raise ComputeError(f"{what}: `by` values do not fit int64") from err
    else:
        raise UnsupportedTypeError(
            f"{what} needs a sorted datetime, date, duration or integer `by` column, but "
            f"{expr.args[1]!r} is {type_name(t)}"
        )
    return np.ascontiguousarray(ticks.to_numpy(zero_copy_only=False), dtype=np.int64), tick


def _win_rolling_by(expr, args, layout):
    from frame._core import window as _win

    what = f"rolling_{expr.params['fn']}_by"
    by = _plain(args[1])
    ticks, tick = _by_ticks(expr, by)
    kind, amount = expr.params["period"]
    if tick is None and kind != "i":
        raise InvalidOperationError(
            f"{what}: `by` {expr.args[1]!r} is an integer column, so window_size must be an "
            f"integer (or '3i'), not a duration"
        )
    if tick is not None and kind == "i":
        raise InvalidOperationError(
            f"{what}: `by` {expr.args[1]!r} is {type_name(by.type)}, so window_size must be a "
            "duration such as '7d' or a datetime.timedelta"
        )
    closed = expr.params["closed"]
    closed_left = closed in ("left", "both")
    if tick is None:
        max_back = amount if closed_left else amount - 1
    else:  # the period in ticks, P = amount / tick: d <= floor(P) (closed) or d < P (open)
        q, r = divmod(amount, tick)
        max_back = q if closed_left or r else q - 1
    order, offsets = layout.positions()
    lo, hi, bad = _win.period_bounds(ticks, order, offsets, min(max_back, 2**63 - 1),
                                     closed in ("right", "both"))
    if bad >= 0:
        raise InvalidOperationError(
            f"{what} needs `by` ({expr.args[1]!r}) sorted ascending within each group; sort the "
            "frame first or use .over(keys, order_by=<by column>)"
        )
    def kernel(values, valid, offset, op, min_samples, ddof):
        return _win.rolling(values, valid, offset, order, offsets, lo, hi, op, min_samples, ddof)

    return _rolling_values(expr, args, kernel, expr.params["min_samples"])


def _win_ewm_mean(expr, args, layout):
    from frame._core import window as _win

    x = _plain(args[0])
    t = x.type
    if pat.is_null(t):
        return pa.nulls(len(x), pa.float64())
    num = _numeric_input(expr, x, "ewm_mean")
    p = expr.params
    values, ok = _win.ewm_mean(num.values, num.valid, num.offset, layout.codes, layout.n_groups,
                               p["alpha"], p["adjust"], p["min_samples"], p["ignore_nulls"])
    return _result(values, ok, pa.float64()).cast(_float_out(t))


def _win_rank(expr, args, layout):
    from frame._core import sort as _sort
    from frame._core import window as _win

    method = expr.params["method"]
    out_type = pa.float64() if method == "average" else pa.int64()
    x = _plain(args[0])
    height = len(x)
    if pat.is_null(x.type) or height == 0 or x.null_count == height:
        return pa.nulls(height, out_type)
    if not _ops.has_kernel_layout(x.type) or pat.is_nested(x.type):
        raise _window_type_error(expr, "rank", x.type, "a sortable column")
    codes = np.zeros(height, dtype=np.uint64)
    valid = None
    if x.null_count:
        keep = np.asarray(pc.is_valid(x).to_numpy(zero_copy_only=False), dtype=bool)
        sub, _ = _sort_rank_codes(x.filter(pa.array(keep)), expr)
        codes[keep] = sub
        valid = np.frombuffer(x.buffers()[0], dtype=np.uint8)
    else:
        codes, _ = _sort_rank_codes(x, expr)
        codes = np.asarray(codes, dtype=np.uint64)
    # rows sorted by (group, code), stable: group-major, code-minor, ties in walking order (the
    # row order); one radix argsort of the pair instead of a sort per group
    keys = [pa.array(codes, pa.uint64())]
    if layout.codes is not None:
        keys.insert(0, pa.array(layout.codes, pa.int64()))
    sorted_rows = np.ascontiguousarray(
        _sort.argsort(keys, [False] * len(keys), [False] * len(keys)), dtype=np.int64
    )
    offsets = layout.offsets()
    code = {"average": _win.RANK_AVERAGE, "min": _win.RANK_MIN, "max": _win.RANK_MAX,
            "dense": _win.RANK_DENSE, "ordinal": _win.RANK_ORDINAL}[method]
    values, ok = _win.rank_runs(sorted_rows, offsets, codes, valid, x.offset, code)
    if method != "average":
        values = values.astype(np.int64)
    return _result(values, ok, out_type)


def _sort_rank_codes(x: pa.Array, expr: Expr) -> tuple[np.ndarray, int]:
    from frame._core import sort as _sort

    try:
        codes, bits = _sort.rank_codes(x, expr.params["descending"], True)
    except ValueError as err:
        raise UnsupportedTypeError(
            f"rank of {expr.args[0]!r} ({type_name(x.type)}) is not supported: {err}"
        ) from None
    return np.asarray(codes, dtype=np.uint64), bits


_WINDOW_KERNELS: dict[str, Callable[..., pa.Array]] = {
    "shift": _win_shift,
    "diff": _win_diff,
    "cum_agg": _win_cum_agg,
    "cum_count": _win_cum_count,
    "rolling": _win_rolling,
    "rolling_by": _win_rolling_by,
    "ewm_mean": _win_ewm_mean,
    "rank": _win_rank,
}


_EVALUATORS: dict[str, Callable[[Expr, pa.Table], Value]] = {
    "col": _eval_col,
    "lit": _eval_lit,
    "series": _eval_series,
    "alias": _eval_alias,
    "add": _binary("add", checked=True),
    "sub": _binary("subtract", checked=True),
    "mul": _binary("multiply", checked=True),
    "truediv": _eval_truediv,
    "floordiv": _eval_floordiv,
    "mod": _eval_mod,
    "pow": _eval_pow,
    "eq": _binary("equal"),
    "ne": _binary("not_equal"),
    "lt": _binary("less"),
    "le": _binary("less_equal"),
    "gt": _binary("greater"),
    "ge": _binary("greater_equal"),
    "eq_missing": _eval_eq_missing,
    "and": _logic(pc.and_kleene, "&"),
    "or": _logic(pc.or_kleene, "|"),
    "xor": _logic(pc.xor, "^"),
    "not": _eval_not,
    "neg": _unary(pc.negate_checked),
    "abs": _unary(pc.abs_checked),
    "sign": _unary(pc.sign),
    "sqrt": _float_fn(pc.sqrt, "sqrt"),
    "exp": _float_fn(pc.exp, "exp"),
    "log1p": _float_fn(pc.log1p, "log1p"),
    "log": _eval_log,
    "round": _eval_round,
    "floor": _eval_floor_ceil(pc.floor, "floor"),
    "ceil": _eval_floor_ceil(pc.ceil, "ceil"),
    "clip": _eval_clip,
    "cast": _eval_cast,
    "is_null": _unary(pc.is_null),
    "is_not_null": _unary(pc.is_valid),
    "is_nan": _eval_is_nan,
    "is_not_nan": lambda e, t: _eval_is_nan(e, t, negate=True),
    "is_finite": _eval_is_finite,
    "is_infinite": lambda e, t: _eval_is_finite(e, t, infinite=True),
    "fill_null": _eval_fill_null,
    "fill_null_strategy": _eval_fill_null_strategy,
    "fill_nan": _eval_fill_nan,
    "is_in": _eval_is_in,
    "when": _eval_when,
    "str_len_chars": _str_fn(lambda v, p: pc.cast(pc.utf8_length(v), pa.int64())),
    "str_len_bytes": _str_fn(lambda v, p: pc.cast(pc.binary_length(v), pa.int64())),
    "str_contains": _str_fn(_string_contains, costly=lambda p: not p["literal"]),
    "str_starts_with": _str_fn(lambda v, p: pc.starts_with(v, p["pattern"])),
    "str_ends_with": _str_fn(lambda v, p: pc.ends_with(v, p["pattern"])),
    "str_lower": _str_fn(lambda v, p: pc.utf8_lower(v)),
    "str_upper": _str_fn(lambda v, p: pc.utf8_upper(v)),
    "str_strip": _str_fn(_strip),
    "str_replace_all": _str_fn(_string_replace, costly=lambda p: not p["literal"]),
    "str_slice": _str_fn(_string_slice),
    "dt_part": _eval_dt_part,
    "sum": _whole_column,
    "mean": _whole_column,
    "min": _whole_column,
    "max": _whole_column,
    "count": _agg_count,
    "len": _agg_len,
    "null_count": _agg_null_count,
    "n_unique": _agg_n_unique,
    "std": _whole_column,
    "var": _whole_column,
    "quantile": _whole_column,
    "first": _whole_column,
    "last": _whole_column,
    "product": _whole_column,
    "any": _agg_simple(_agg_bool("any"), "any"),
    "all": _agg_simple(_agg_bool("all"), "all"),
    "arg_min": _whole_column,
    "arg_max": _whole_column,
    "top_k": _whole_column,
    "bottom_k": _whole_column,
    "implode": _whole_column,
    "corr": _whole_column,
    "cov": _whole_column,
    "filter": _eval_filter,
    "over": _eval_over,
    "shift": _eval_window_fn,
    "diff": _eval_window_fn,
    "cum_agg": _eval_window_fn,
    "cum_count": _eval_window_fn,
    "rolling": _eval_window_fn,
    "rolling_by": _eval_window_fn,
    "ewm_mean": _eval_window_fn,
    "rank": _eval_window_fn,
}
