import pytest

from helpers.cpu.cluster import SCHEDULER_ADDRESS_VARIABLE, dask_client, on_worker
from helpers.cpu.workloads import sum_of_squares, sum_of_squares_closed

distributed = pytest.importorskip("distributed")


def test_local_cluster_maps_on_loopback_and_closes(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ADDRESS_VARIABLE, raising=False)
    with dask_client(workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        assert client.dashboard_link.startswith("http://127.0.0.1:")
        futures = client.map(sum_of_squares, [10, 1_000, 20_000], pure=False)
        assert client.gather(futures) == [sum_of_squares_closed(n) for n in (10, 1_000, 20_000)]
    assert client.status == "closed"


def test_connects_to_the_scheduler_named_by_the_environment(monkeypatch):
    with distributed.LocalCluster(
        n_workers=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # None means the default 8787, which another may hold
    ) as cluster:
        monkeypatch.setenv(SCHEDULER_ADDRESS_VARIABLE, cluster.scheduler_address)
        with dask_client() as client:
            assert client.scheduler.address == cluster.scheduler_address
            assert client.submit(sum_of_squares, 4).result() == 14


def test_rejects_a_cluster_without_workers(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ADDRESS_VARIABLE, raising=False)
    with pytest.raises(ValueError, match="workers must be at least 1, got 0"), dask_client(0):
        pass


def test_on_worker_names_the_record_for_the_worker_that_ran_it(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ADDRESS_VARIABLE, raising=False)
    with dask_client(workers=1) as client:
        total, record = client.submit(on_worker, sum_of_squares, 1_000, pure=False).result()
        assert record.name in client.scheduler_info()["workers"]
    assert total == sum_of_squares_closed(1_000)
    assert record.end >= record.start
