"""Dask distributed: a local cluster by default, a real one by address (12-beyond-one-machine).

Set DASK_SCHEDULER_ADDRESS (for example tcp://10.0.0.5:8786) to use a running scheduler; its
workers must be able to import the course's helpers package. Otherwise a local cluster of worker
processes starts on 127.0.0.1 only, with its dashboard on a free port and its log messages below
CRITICAL silenced, so that nothing reaches a notebook's stderr: on a busy machine a worker may log
an ERROR when the scheduler closes under it, which is harmless. A task's own error still reaches
the client, raised by `client.gather`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from helpers.measure.timeline import Record, run_recorded

if TYPE_CHECKING:
    from distributed import Client

SCHEDULER_ADDRESS_VARIABLE = "DASK_SCHEDULER_ADDRESS"


@contextmanager
def dask_client(workers: int = 2, address: str | None = None) -> Iterator[Client]:
    """A Client of address, $DASK_SCHEDULER_ADDRESS or a new local cluster.

    The local cluster has `workers` single-threaded worker processes. On leaving the block the
    client is closed, and so is the local cluster with all its processes.
    """
    from distributed import Client, LocalCluster  # imported here: Dask takes a while to import

    address = address or os.environ.get(SCHEDULER_ADDRESS_VARIABLE)
    if address:
        with Client(address, timeout="10s") as client:
            yield client
        return
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def on_worker(func: Any, *args: object) -> tuple[Any, Record]:
    """In a Dask task: func(*args), and a Record of it named for the worker that ran it."""
    from distributed import get_worker

    return run_recorded(func, *args, name=get_worker().address)
