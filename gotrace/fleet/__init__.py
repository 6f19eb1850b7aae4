"""Fleets: traces and dumps of many hosts, analysed together (``gotrace scan``).

:mod:`.inputs` expands paths and names each file's host and time;
:mod:`.analyse` is the per-file task; :mod:`.runners` runs it on a local
process pool or a Dask cluster; :mod:`.scan` writes the Parquet dataset; and
:mod:`.growth` ranks the sites that grow across hosts. Needs pyarrow, and
Dask's ``distributed`` for ``--dask``: the ``gotrace[fleet]`` extra.
"""
