"""Tests for helpers.exercises.recorders: the sleeps and the tasks of the learner's code."""

from __future__ import annotations

import asyncio

from helpers.exercises.recorders import SleepRecorder, TaskRecorder


def test_sleep_recorder_records_only_the_cell_it_watches_and_puts_sleep_back():
    namespace = {"sleep": asyncio.sleep}
    real = asyncio.sleep

    async def mine() -> None:
        await asyncio.sleep(0.01)

    async def main() -> None:
        await asyncio.sleep(0)  # this file is mine's file too: recorded as well
        await mine()

    recorder = SleepRecorder(mine)
    with recorder.installed(namespace):
        assert asyncio.sleep is not real and namespace["sleep"] is asyncio.sleep
        asyncio.run(main())
    assert asyncio.sleep is real and namespace["sleep"] is real
    assert [seconds for _, seconds in recorder.calls] == [0, 0.01]


def test_task_recorder_records_the_cells_tasks_and_puts_the_factory_back():
    async def mine() -> None:
        await asyncio.sleep(0)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        recorder = TaskRecorder(mine)
        with recorder.installed():
            async with asyncio.TaskGroup() as group:
                started = [group.create_task(mine(), name="worker") for _ in range(3)]
            await asyncio.create_task(asyncio.sleep(0))  # asyncio's code: not recorded
        assert loop.get_task_factory() is None
        assert recorder.tasks == started and started[0].get_name() == "worker"

    asyncio.run(main())
