"""Goroutine dumps: every text form the Go runtime prints, as snapshots.

- ``parse.parse_dumps`` / ``parse.parse_file``: bytes or text -> list of ``Snapshot``
  (pprof debug=2 and debug=1, panic / fatal error / signal tracebacks, dumps
  embedded in logs or test output with a constant line prefix);
- ``grouping``: filters (older than, idle, state, regex) and stack groups;
- ``diff``: two snapshots compared group by group;
- ``jsonshape``: the ``--format json`` documents;
- ``fetch``: reading a live ``/debug/pprof/goroutine`` URL.
"""
