"""asv benchmarks for frame (one module per operation; data and sizes in ``common``).

Run from ``asv_benchmarks/``::

    FRAME_ASV_PROFILE=fast ../.venv/bin/asv run --quick -E existing:same --bench filter
    ../.venv/bin/asv continuous main HEAD   # full comparison, by hand
"""
