import math
import socket
import time

import pytest

from helpers.lessons.toyloop import Readable, Sleep, ToyLoop


def sleeper(seconds: float):
    yield Sleep(seconds)
    return seconds


async def hello(said: list[str]) -> str:
    said.append("Hello")
    await Sleep(0.05)
    said.append("World")
    return "greeted"


def test_a_coroutine_and_two_generators_sleep_at_the_same_time():
    said: list[str] = []
    trace: list[str] = []
    loop = ToyLoop(trace=trace.append)
    loop.spawn("hello", hello(said))
    loop.spawn("A", sleeper(0.1))
    loop.spawn("B", sleeper(0.15))
    start = time.monotonic()
    results = loop.run()
    elapsed = time.monotonic() - start
    assert results == {"hello": "greeted", "A": 0.1, "B": 0.15}
    assert said == ["Hello", "World"]
    assert 0.15 <= elapsed < 0.15 + 0.1  # the longest sleep, not the sum 0.3
    steps = [line.split("  ", 1)[1] for line in trace]
    assert steps[:3] == [
        "ran hello → it sleeps 0.05 s",
        "ran A → it sleeps 0.10 s",
        "ran B → it sleeps 0.15 s",
    ]
    finished = [step.split()[1] for step in steps if step.endswith("finished")]
    assert finished == ["hello", "A", "B"]  # in order of wake-up time


def test_a_reader_waits_on_the_selector_until_a_writer_sends():
    trace: list[str] = []
    left, right = socket.socketpair()
    with left, right:
        left.setblocking(False)

        def reader():
            yield Readable(left)
            return left.recv(100)

        def writer():
            yield Sleep(0.05)
            right.sendall(b"ping")

        loop = ToyLoop(trace=trace.append)
        loop.spawn("reader", reader())
        loop.spawn("writer", writer())
        assert loop.run() == {"reader": b"ping", "writer": None}
    steps = [line.split("  ", 1)[1] for line in trace]
    assert "ran reader → it waits until its socket is readable" in steps
    assert steps.index("socket ready: reader") > steps.index("ran writer → it finished")


def test_a_bare_yield_hands_over_in_round_robin_order():
    order: list[str] = []

    def talker(name: str):
        for _ in range(3):
            order.append(name)
            yield

    loop = ToyLoop()
    loop.spawn("a", talker("a"))
    loop.spawn("b", talker("b"))
    loop.run()
    assert order == ["a", "b", "a", "b", "a", "b"]


def test_a_task_waiting_forever_times_out_and_is_closed():
    cleaned = []
    left, right = socket.socketpair()
    with left, right:

        def stuck():
            try:
                yield Readable(left)  # nobody ever writes to right
            finally:
                cleaned.append("stuck")

        loop = ToyLoop(timeout=0.1)
        loop.spawn("stuck", stuck())
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=r"still waiting after 0\.1 s: stuck"):
            loop.run()
        assert time.monotonic() - start < 1
    assert cleaned == ["stuck"]


@pytest.mark.parametrize("seconds", [-1, math.nan])
def test_a_negative_or_nan_sleep_is_refused(seconds):
    with pytest.raises(ValueError, match="seconds must be a number >= 0"):
        Sleep(seconds)


def test_spawning_a_function_instead_of_its_call_is_refused():
    with pytest.raises(TypeError, match=r"hello\(\) rather than hello"):
        ToyLoop().spawn("hello", hello)


def test_an_unknown_request_is_refused_and_the_other_tasks_are_closed():
    cleaned = []

    def polite():
        try:
            yield Sleep(1)
        finally:
            cleaned.append("polite")

    def rude():
        yield "not a request"

    loop = ToyLoop()
    loop.spawn("polite", polite())
    loop.spawn("rude", rude())
    with pytest.raises(TypeError, match="task 'rude' paused with 'not a request'"):
        loop.run()
    assert cleaned == ["polite"]


def test_an_exception_in_a_task_reaches_the_caller():
    async def broken():
        await Sleep(0)
        raise ValueError("boom")

    loop = ToyLoop()
    loop.spawn("broken", broken())
    with pytest.raises(ValueError, match="boom"):
        loop.run()


def test_a_loop_runs_once():
    loop = ToyLoop()
    loop.spawn("a", sleeper(0))
    loop.run()
    with pytest.raises(RuntimeError, match="already run"):
        loop.run()
    with pytest.raises(RuntimeError, match="already run"):
        loop.spawn("b", sleeper(0))
