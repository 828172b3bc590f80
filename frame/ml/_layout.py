"""Feature layout with one-hot blocks kept whole: lazy block names, the fit-time schema and the
output feature list.

A one-hot step (``OneHot``, ``Hash(output="onehot")``) turns a column into a *block*: ``n``
features that share one code array (a :class:`~frame.ml._base.Block` working column). The
pipeline keeps a block as ONE entry wherever its features need no individual treatment, so a
2**20-bucket block costs O(1) Python work in fit, transform, save and load::

    Schema       name -> type while fitting; a block is one BlockSlice entry. A later step that
                 reads some block features *extracts* them: the slice is split around them and
                 they become plain entries (their values are taken from the block's codes).
    FeatureList  the output features: plain names and BlockSlice runs, with list-like access
                 (len, index, iteration, ==) that never builds a list of a block's names
                 unless iterated.
    names        NumberedNames ("<prefix>#0" .. "<prefix>#<n-1>", parsed, never stored) for
                 hashed blocks; ListNames (a list with a lazily built index) for OneHot, whose
                 names are its fitted categories.

Nothing here depends on the rest of ``frame.ml``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BlockSlice", "FeatureList", "ListNames", "NumberedNames", "Schema", "block_names"]

FLOAT = pa.float64()


# ----------------------------------------------------------------------------- block names
class NumberedNames(Sequence[str]):
    """The names ``"<prefix>#0" .. "<prefix>#<n-1>"`` of a block, computed on demand.

    A sequence of ``n`` strings that stores two values: lookups parse the name, so a
    2**20-feature block needs no list of names and no dict of positions.

    Examples
    --------
    >>> from frame.ml._layout import NumberedNames
    >>> names = NumberedNames("s", 4)
    >>> list(names), names[-1], names.find("s#2"), names.find("s#02"), "s#4" in names
    (['s#0', 's#1', 's#2', 's#3'], 's#3', 2, -1, False)
    >>> names == ["s#0", "s#1", "s#2", "s#3"], names.label(1, 4)
    (True, 's#1..s#3')
    """

    __slots__ = ("n", "prefix")

    def __init__(self, prefix: str, n: int):
        self.prefix = prefix
        self.n = int(n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [f"{self.prefix}#{j}" for j in range(*i.indices(self.n))]
        j = int(i)
        if j < 0:
            j += self.n
        if not 0 <= j < self.n:
            raise IndexError(f"block name index {i} out of range for {self.n} names")
        return f"{self.prefix}#{j}"

    def iter(self, lo: int, hi: int) -> Iterator[str]:
        return map(f"{self.prefix}#".__add__, map(str, range(lo, hi)))

    def __iter__(self) -> Iterator[str]:
        return self.iter(0, self.n)

    def find(self, name: Any) -> int:
        """The position of ``name`` among the names, or -1."""
        if not isinstance(name, str):
            return -1
        head, sep, tail = name.rpartition("#")
        if (not sep or head != self.prefix or not tail.isascii() or not tail.isdigit()
                or (len(tail) > 1 and tail[0] == "0")):
            return -1
        j = int(tail)
        return j if j < self.n else -1

    def __contains__(self, name: object) -> bool:
        return self.find(name) >= 0

    def index(self, name: Any, start: int = 0, stop: int | None = None) -> int:
        j = self.find(name)
        if j < max(start, 0) or (stop is not None and j >= stop):
            raise ValueError(f"{name!r} is not in the block")
        return j

    def count(self, name: Any) -> int:
        return int(self.find(name) >= 0)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NumberedNames):
            return (self.prefix, self.n) == (other.prefix, other.n)
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == self.n and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NumberedNames({self.prefix!r}, {self.n})"

    def arrow(self, lo: int, hi: int) -> pa.Array:
        """``names[lo:hi]`` as an Arrow string array, built without Python strings."""
        nums = pc.cast(pa.array(np.arange(lo, hi, dtype=np.int64)), pa.string())
        return pc.binary_join_element_wise(f"{self.prefix}#", nums, "")

    def label(self, lo: int, hi: int) -> str:
        """``"s#0..s#9"`` for ``names[0:10]`` (one name when the range has one)."""
        return self[lo] if hi - lo == 1 else f"{self[lo]}..{self[hi - 1]}"


class ListNames(Sequence[str]):
    """Explicit block names (a list, not copied) with an index built on the first lookup."""

    __slots__ = ("_pos", "names")

    def __init__(self, names: list[str]):
        self.names = names
        self._pos: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: Any) -> Any:
        return self.names[i]

    def iter(self, lo: int, hi: int) -> Iterator[str]:
        return iter(self.names[lo:hi])

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def find(self, name: Any) -> int:
        if self._pos is None:
            self._pos = {n: j for j, n in enumerate(self.names)}
        return self._pos.get(name, -1) if isinstance(name, str) else -1

    def __contains__(self, name: object) -> bool:
        return self.find(name) >= 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ListNames):
            return self.names == other.names
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self.names) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ListNames({self.names!r})"

    def arrow(self, lo: int, hi: int) -> pa.Array:
        return pa.array(self.names[lo:hi], type=pa.string())

    def label(self, lo: int, hi: int) -> str:
        return self.names[lo] if hi - lo == 1 else f"{self.names[lo]}..{self.names[hi - 1]}"


def block_names(names: Sequence[str]) -> NumberedNames | ListNames:
    """``names`` with ``find``/``arrow``/``label``: numbered names as they are, a list wrapped."""
    if isinstance(names, NumberedNames | ListNames):
        return names
    return ListNames(list(names))


def _overlap(a: Any, alo: int, ahi: int, b: Any, blo: int, bhi: int) -> str | None:
    """A name in both ``a[alo:ahi]`` and ``b[blo:bhi]`` (block names), or None."""
    if alo >= ahi or blo >= bhi:
        return None
    if isinstance(a, NumberedNames) and isinstance(b, NumberedNames):
        if a.prefix != b.prefix:
            return None
        lo, hi = max(alo, blo), min(ahi, bhi)
        return a[lo] if lo < hi else None
    if isinstance(a, NumberedNames):  # iterate the explicit list, parse the numbered names
        a, alo, ahi, b, blo, bhi = b, blo, bhi, a, alo, ahi
    for name in a.iter(alo, ahi):
        j = b.find(name)
        if blo <= j < bhi:
            return name
    return None


# ----------------------------------------------------------------------------- entries
class BlockSlice(NamedTuple):
    """Features ``names[lo:hi]`` of the block that input ``input`` of step ``step`` produced.

    ``key`` is the block's working-column key (``cols[key]`` is its
    :class:`~frame.ml._base.Block`, and on the row path ``v[key]`` its nonzeros).
    """

    step: str
    input: str
    key: Any
    names: Any  # NumberedNames | ListNames
    lo: int
    hi: int

    @property
    def width(self) -> int:
        return self.hi - self.lo

    def find(self, name: Any) -> int:
        """The block position of ``name`` if it is in this slice, else -1."""
        j = self.names.find(name)
        return j if self.lo <= j < self.hi else -1

    def label(self) -> str:
        return self.names.label(self.lo, self.hi)


Entry = str | BlockSlice  # a plain feature (its name) or a run of block features


def _split(s: BlockSlice, js: list[int]) -> list[Entry]:
    """``s`` with the features at block positions ``js`` (sorted, inside ``s``) made plain."""
    out: list[Entry] = []
    lo = s.lo
    for j in js:
        if j > lo:
            out.append(s._replace(lo=lo, hi=j))
        out.append(s.names[j])
        lo = j + 1
    if lo < s.hi:
        out.append(s._replace(lo=lo))
    return out


class Schema(Mapping[str, pa.DataType]):
    """Column name -> Arrow type at one point of a pipeline fit, blocks kept as slices.

    A mapping (``in``, ``[]``, iteration over every name) whose entries are plain columns and
    block slices (type float64). Selectors resolve against it without listing a block's names
    unless they must (a pattern, or a dtype class that includes the block's features).
    """

    def __init__(self, entries: Iterable[Entry], types: Mapping[str, pa.DataType]):
        self.entries: list[Entry] = list(entries)
        self.types = {e: types[e] for e in self.entries if isinstance(e, str)}
        self._blocks = [e for e in self.entries if isinstance(e, BlockSlice)]
        self._pos: dict[str, int] | None = None

    @classmethod
    def of(cls, schema: Mapping[str, pa.DataType]) -> Schema:
        if isinstance(schema, Schema):
            return schema
        return cls(list(schema), schema)

    # ---- mapping
    def locate(self, name: Any) -> tuple[BlockSlice, int] | None:
        """The block slice holding ``name`` and its block position, or None."""
        for s in self._blocks:
            j = s.find(name)
            if j >= 0:
                return s, j
        return None

    def __contains__(self, name: object) -> bool:
        return name in self.types or (bool(self._blocks) and self.locate(name) is not None)

    def __getitem__(self, name: str) -> pa.DataType:
        t = self.types.get(name)
        if t is not None:
            return t
        if self.locate(name) is not None:
            return FLOAT
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        for e in self.entries:
            if isinstance(e, str):
                yield e
            else:
                yield from e.names.iter(e.lo, e.hi)

    def __len__(self) -> int:
        return sum(1 if isinstance(e, str) else e.width for e in self.entries)

    def hint_names(self) -> list[str]:
        """Names to suggest in a "not found" error: plain names, and the ends of each block."""
        out: list[str] = []
        for e in self.entries:
            if isinstance(e, str):
                out.append(e)
            elif e.width <= 20:
                out.extend(e.names.iter(e.lo, e.hi))
            else:
                out.extend((e.names[e.lo], e.names[e.hi - 1]))
        return out

    # ---- selection
    def order(self, picked: Iterable[str]) -> list[str]:
        """The names of ``picked`` (all in the schema) in schema order."""
        if self._pos is None:
            self._pos = {}
            for k, e in enumerate(self.entries):
                if isinstance(e, str):
                    self._pos[e] = k
        keyed = []
        index = {id(s): k for k, s in enumerate(self.entries) if isinstance(s, BlockSlice)}
        for name in set(picked):
            k = self._pos.get(name)
            if k is not None:
                keyed.append((k, 0, name))
            else:
                s, j = self.locate(name)  # type: ignore[misc]
                keyed.append((index[id(s)], j, name))
        keyed.sort(key=lambda t: (t[0], t[1]))
        return [t[2] for t in keyed]

    def select(self, keep_type: Any, wanted: set[str] | None, rx: Any, exclude: set[str]) -> list[str]:
        """Names in schema order whose type passes ``keep_type``, in ``wanted`` (if given),
        matching ``rx`` (if given) and not in ``exclude``. A block's names are listed only when
        its float type passes and neither ``wanted`` nor ``rx`` narrows it down first."""
        out: list[str] = []
        if wanted is not None:
            for name in self.order(wanted):
                if keep_type(self[name]) and (rx is None or rx.search(name)) and name not in exclude:
                    out.append(name)
            return out
        float_ok = keep_type(FLOAT)
        for e in self.entries:
            if isinstance(e, str):
                if keep_type(self.types[e]) and (rx is None or rx.search(e)) and e not in exclude:
                    out.append(e)
            elif float_ok:
                names = e.names.iter(e.lo, e.hi)
                if rx is not None:
                    names = filter(rx.search, names)
                if exclude:
                    names = (n for n in names if n not in exclude)
                out.extend(names)
        return out

    # ---- evolution while fitting
    def without(self, names: Iterable[str]) -> Schema:
        drop = set(names)
        if not drop:
            return self
        return Schema([e for e in self.entries if not (isinstance(e, str) and e in drop)], self.types)

    def extract(self, names: Iterable[str]) -> tuple[Schema, list[tuple[str, BlockSlice, int]]]:
        """Make the block features among ``names`` plain entries (float64), in place.

        Returns the new schema and ``(name, slice it was in, block position)`` per extracted
        feature; the caller gives each a working column of its own.
        """
        hits: dict[int, list[int]] = {}
        found: list[tuple[str, BlockSlice, int]] = []
        if self._blocks:
            for name in names:
                if name in self.types:
                    continue
                loc = self.locate(name)
                if loc is not None:
                    s, j = loc
                    hits.setdefault(id(s), []).append(j)
                    found.append((name, s, j))
        if not found:
            return self, []
        entries: list[Entry] = []
        for e in self.entries:
            if isinstance(e, BlockSlice) and id(e) in hits:
                entries.extend(_split(e, sorted(hits[id(e)])))
            else:
                entries.append(e)
        types = dict(self.types)
        types.update((name, FLOAT) for name, _, _ in found)
        return Schema(entries, types), found

    def collision(self, names: Iterable[str] | None = None, block: Any = None) -> str | None:
        """An existing name equal to one of ``names`` or of the block names ``block``."""
        if names is not None:
            for o in names:
                if o in self:
                    return o
        if block is not None and len(block):
            for e in self.entries:
                hit = (e if block.find(e) >= 0 else None) if isinstance(e, str) else _overlap(
                    block, 0, len(block), e.names, e.lo, e.hi)
                if hit is not None:
                    return hit
        return None


# ----------------------------------------------------------------------------- FeatureList
class FeatureList(Sequence[str]):
    """The output feature names of a pipeline: plain names and block runs, in output order.

    Behaves like a list of names (``len``, ``[i]``, ``index``, ``in``, iteration, ``==`` with a
    list) but holds a block run as one :class:`BlockSlice`, so a 2**20-feature block costs
    O(1) until its names are asked for (``list(features)`` builds them).

    Examples
    --------
    >>> from frame.ml._layout import BlockSlice, FeatureList, NumberedNames
    >>> block = BlockSlice("hash", "s", ("#block", "Hash", "s"), NumberedNames("s", 1 << 20), 0, 1 << 20)
    >>> fl = FeatureList(["x", block, "y"])
    >>> len(fl), fl[1], fl[-1], fl.index("s#1048575"), "s#1048576" in fl
    (1048578, 's#0', 'y', 1048576, False)
    """

    __slots__ = ("_ends", "_pos", "entries")

    def __init__(self, entries: Iterable[Entry]):
        self.entries: tuple[Entry, ...] = tuple(entries)
        ends, n = [], 0
        for e in self.entries:
            n += 1 if isinstance(e, str) else e.width
            ends.append(n)
        self._ends = ends
        self._pos: dict[str, int] | None = None

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def starts(self) -> Iterator[tuple[Entry, int]]:
        """``(entry, position of its first feature)`` for every entry."""
        start = 0
        for e, end in zip(self.entries, self._ends, strict=True):
            yield e, start
            start = end

    @property
    def has_blocks(self) -> bool:
        return any(isinstance(e, BlockSlice) for e in self.entries)

    def plain(self) -> list[tuple[int, str]]:
        """``(position, name)`` of every plain feature."""
        return [(p, e) for e, p in self.starts() if isinstance(e, str)]

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        k = int(i) + n if int(i) < 0 else int(i)
        if not 0 <= k < n:
            raise IndexError(f"feature index {i} out of range for {n} features")
        e = bisect.bisect_right(self._ends, k)
        entry = self.entries[e]
        if isinstance(entry, str):
            return entry
        start = self._ends[e] - entry.width
        return entry.names[entry.lo + k - start]

    def __iter__(self) -> Iterator[str]:
        for e in self.entries:
            if isinstance(e, str):
                yield e
            else:
                yield from e.names.iter(e.lo, e.hi)

    def find(self, name: Any) -> int:
        """The position of ``name``, or -1."""
        if self._pos is None:
            self._pos = {e: p for e, p in self.starts() if isinstance(e, str)}
        p = self._pos.get(name)
        if p is not None:
            return p
        for e, start in self.starts():
            if isinstance(e, BlockSlice):
                j = e.find(name)
                if j >= 0:
                    return start + j - e.lo
        return -1

    def index(self, name: Any, start: int = 0, stop: int | None = None) -> int:
        p = self.find(name)
        if p < max(start, 0) or (stop is not None and p >= stop):
            raise ValueError(f"{name!r} is not a feature")
        return p

    def __contains__(self, name: object) -> bool:
        return self.find(name) >= 0

    def count(self, name: Any) -> int:
        return int(self.find(name) >= 0)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FeatureList) and other.entries == self.entries:
            return True
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = [repr(e) if isinstance(e, str) else f"<{e.label()}>" for e in self.entries[:8]]
        more = ", ..." if len(self.entries) > 8 else ""
        return f"FeatureList([{', '.join(parts)}{more}], {len(self)} features)"

    def arrow(self) -> pa.Array:
        """Every name as one Arrow string array (block runs built without Python strings)."""
        chunks: list[pa.Array] = []
        run: list[str] = []
        for e in self.entries:
            if isinstance(e, str):
                run.append(e)
                continue
            if run:
                chunks.append(pa.array(run, type=pa.string()))
                run = []
            chunks.append(e.names.arrow(e.lo, e.hi).cast(pa.string()))
        if run or not chunks:
            chunks.append(pa.array(run, type=pa.string()))
        return pa.concat_arrays(chunks) if len(chunks) > 1 else chunks[0]
