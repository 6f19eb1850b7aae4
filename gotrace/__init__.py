"""gotrace: goroutine lifecycles from Go execution traces and goroutine dumps."""

import os

__version__ = "0.1.0"

# gotrace does no linear algebra: numpy's OpenBLAS thread pool (a thread per core,
# spinning while it starts) only cost every command a tenth of a second of CPU at
# import. Set before numpy is first imported; a value the user set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
