"""``frame.show_versions()``: the first thing every bug report needs."""

from __future__ import annotations

import importlib
import platform
import sys


def show_versions() -> None:
    """Print frame, Python, platform, build and dependency versions.

    Examples
    --------
    >>> import frame as fr
    >>> fr.show_versions()  # doctest: +ELLIPSIS
    --------Version info---------
    frame:      ...
    """
    from frame._core import parallel
    from frame._version import __version__

    print("--------Version info---------")
    print(f"frame:      {__version__}")
    print(f"Python:     {sys.version.split()[0]} ({platform.python_implementation()})")
    print(f"Platform:   {platform.platform()}")
    print(f"OpenMP:     {'on' if parallel.openmp_enabled() else 'off'} "
          f"(threads: {parallel.get_num_threads()})")
    print("----Optional dependencies----")
    for mod in ("pyarrow", "numpy", "Cython", "pandas", "polars", "duckdb", "sklearn", "torch"):
        try:
            version = getattr(importlib.import_module(mod), "__version__", "?")
        except ImportError:
            version = "<not installed>"
        print(f"{mod + ':':<12}{version}")
