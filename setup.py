"""Build frame's Cython kernels.

Switches (environment variables):

* ``FRAME_CYTHON_DEBUG=1``  bounds/wraparound/initialized checks back on (tests of the kernels).
* ``FRAME_ANNOTATE=1``      write Cython's annotated HTML next to each ``.pyx``.
* ``FRAME_NO_OPENMP=1``     do not probe for OpenMP; kernels run serially.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
CORE = HERE / "frame" / "_core"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("FRAME_CYTHON_DEBUG")
ANNOTATE = _flag("FRAME_ANNOTATE")

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "nonecheck": False,
    "cdivision": True,
    "embedsignature": True,
    "cpow": True,
}


def _openmp_flags() -> list[str]:
    """Compile and run a tiny OpenMP program; return the flags if it works, else []."""
    if _flag("FRAME_NO_OPENMP") or sys.platform == "win32":
        return []
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return []
    src = "#include <omp.h>\nint main(void){int n=0;\n#pragma omp parallel reduction(+:n)\nn+=1;\nreturn n>0?0:1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        c_file = Path(tmp) / "probe.c"
        c_file.write_text(src)
        exe = Path(tmp) / "probe"
        try:
            subprocess.run(
                [cc, "-fopenmp", str(c_file), "-o", str(exe)],
                check=True,
                capture_output=True,
                timeout=60,
            )
            subprocess.run([str(exe)], check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            print("frame: OpenMP not available, building serial kernels", file=sys.stderr)
            return []
    return ["-fopenmp"]


OPENMP = _openmp_flags()
# x86-64: the POPCNT instruction (bitmap counts in filter, take and group-by), part of the
# x86-64-v2 baseline NumPy 2 already requires; without it GCC calls a software popcount.
POPCNT = ["-mpopcnt"] if platform.machine().lower() in ("x86_64", "amd64") else []
# No fused multiply-add contraction: frame.ml's batch and single-record paths must give the same
# bits, which needs every floating-point expression evaluated as written (GCC contracts a*b+c by
# default wherever the target has FMA, e.g. aarch64 or -march=native).
FP = ["-ffp-contract=off"]
COMPILE_ARGS = ["-O3", "-fno-strict-aliasing"] + FP + POPCNT + (["-O0", "-g"] if DEBUG else []) + OPENMP
MACROS = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
if DEBUG:
    MACROS.append(("CYTHON_TRACE_NOGIL", "1"))

# Re-cythonize everything when the directive set changes (debug <-> release): Cython itself
# only looks at file timestamps.
_STAMP = HERE / "build" / "frame-directives.txt"
_SIGNATURE = repr((sorted(DIRECTIVES.items()), COMPILE_ARGS, MACROS))
FORCE = not _STAMP.exists() or _STAMP.read_text() != _SIGNATURE
_STAMP.parent.mkdir(exist_ok=True)
_STAMP.write_text(_SIGNATURE)

extensions = [
    Extension(
        f"frame._core.{pyx.stem}",
        [str(pyx.relative_to(HERE))],
        include_dirs=[str(CORE.relative_to(HERE))],
        extra_compile_args=COMPILE_ARGS,
        extra_link_args=OPENMP,
        define_macros=MACROS,
    )
    for pyx in sorted(CORE.glob("*.pyx"))
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives=DIRECTIVES,
        annotate=ANNOTATE,
        force=FORCE,
        nthreads=os.cpu_count() or 1,
    ),
)
