"""Private Cython kernels; see README.md in this folder. Never imports the public API."""

import os

# Idle OpenMP workers spin by default. On a shared 2-core machine a spinning worker steals the
# core another process (or the next kernel's other thread) needs, which made two threads slower
# than one in measurements. Passive waiting costs a few microseconds per parallel region, far
# below the size threshold at which kernels go parallel. Respect an explicit user setting.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
