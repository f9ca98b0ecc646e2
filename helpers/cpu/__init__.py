"""Where CPU work runs: the workload spawned workers import, start methods, the Dask cluster."""
