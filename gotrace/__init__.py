"""gotrace: goroutine lifecycles from Go execution traces and goroutine dumps."""

__version__ = "0.1.0"
