import asyncio
import sys

import pytest

from helpers.lessons.structured import TaskGroup


def errors_of(raised: BaseException) -> list[BaseException]:
    """The errors a group raised: an ExceptionGroup's (3.11+), or the one error (3.10)."""
    return list(getattr(raised, "exceptions", [raised]))


async def fail_after(seconds: float) -> None:
    await asyncio.sleep(seconds)
    raise ValueError("failed")


def test_is_asyncio_taskgroup_where_python_has_one():
    if sys.version_info >= (3, 11):
        assert TaskGroup is asyncio.TaskGroup
    else:
        assert TaskGroup.__module__ == "helpers.lessons.structured"


def test_the_block_waits_for_every_task():
    async def main() -> list[int]:
        async with TaskGroup() as group:
            tasks = [group.create_task(asyncio.sleep(0.01 * n, result=n)) for n in range(3)]
        assert all(task.done() for task in tasks)
        return [task.result() for task in tasks]

    assert asyncio.run(main()) == [0, 1, 2]


def test_an_error_cancels_the_siblings_and_is_raised():
    async def main() -> tuple[BaseException, asyncio.Task]:
        slow = None
        try:
            async with TaskGroup() as group:
                slow = group.create_task(asyncio.sleep(10))
                group.create_task(fail_after(0.01))
        except BaseException as raised:  # ExceptionGroup on 3.11+, the ValueError on 3.10
            assert slow is not None
            return raised, slow
        raise AssertionError("the group raised nothing")

    raised, slow = asyncio.run(main())
    assert [type(error) for error in errors_of(raised)] == [ValueError]
    assert slow.cancelled()


def test_an_error_in_the_body_cancels_the_tasks():
    async def main() -> tuple[BaseException, asyncio.Task]:
        slow = None
        try:
            async with TaskGroup() as group:
                slow = group.create_task(asyncio.sleep(10))
                await asyncio.sleep(0)
                raise KeyError("body")
        except BaseException as raised:  # a group of one KeyError on 3.11+, the KeyError on 3.10
            assert slow is not None
            return raised, slow

    raised, slow = asyncio.run(main())
    assert [type(error) for error in errors_of(raised)] == [KeyError]
    assert slow.cancelled()


def test_cancelling_the_parent_cancels_the_tasks():
    children: list[asyncio.Task] = []

    async def parent() -> None:
        async with TaskGroup() as group:
            children.extend(group.create_task(asyncio.sleep(10)) for _ in range(2))

    async def main() -> None:
        task = asyncio.create_task(parent())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert len(children) == 2 and all(child.cancelled() for child in children)
