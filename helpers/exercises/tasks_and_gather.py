"""Self-checks for 05-tasks-and-gather: the fastest mirror; a whole site in one task group."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from helpers.exercises import Mistake, answer, passed, self_check, watchdog

MIRRORS = {"slow": 0.6, "quick": 0.05, "medium": 0.4}  # name -> seconds to answer
# The site fetch_site is checked on: a tree, url -> (the links on the page, seconds to load).
# /fast's subtree loads long before /slow does: a level-by-level crawl waits for /slow.
SITE = {
    "/": (["/slow", "/fast"], 0.01),
    "/slow": (["/slow/page"], 0.25),
    "/fast": (["/fast/a", "/fast/b"], 0.01),
    "/fast/a": (["/fast/a/deep"], 0.02),
    "/fast/b": ([], 0.03),
    "/fast/a/deep": ([], 0.01),
    "/slow/page": ([], 0.01),
}
EARLY, SLOW = "/fast/a", "/slow"  # EARLY's parent loads long before SLOW does
# The same shape with a page that fails while others still load.
BROKEN = "/broken"
BROKEN_SITE = {
    "/": (["/slow", BROKEN, "/fast"], 0.01),
    "/slow": (["/slow/page"], 0.25),
    BROKEN: ([], 0.02),
    "/fast": (["/fast/a"], 0.01),
    "/fast/a": ([], 0.25),
    "/slow/page": ([], 0.01),
}
CANCELS_NOTHING = (
    "fastest raised CancelledError: awaiting a task that was cancelled raises its "
    "CancelledError in the awaiting code. Wait for the cancelled tasks with "
    "asyncio.gather(*tasks, return_exceptions=True), which returns the cancellations as values"
)
NEVER_DONE = (
    "it waits for something that never comes: an Event or a count that the page that failed "
    "never sets. A TaskGroup waits for every task in it, failed ones included, and cancels the "
    "rest when one fails"
)


async def _cancel_running(tasks: Iterable[asyncio.Task]) -> None:
    """Cancel the tasks that have not finished, and wait until they have ended."""
    left = [task for task in tasks if not task.done() and task is not asyncio.current_task()]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)


def _tasks_running(function: Callable[..., Any], *, same_file: bool = False) -> list[asyncio.Task]:
    """The tasks whose coroutine runs the function (or, same_file, any code of its file)."""
    code = function.__code__
    found = []
    for task in asyncio.all_tasks():
        running = getattr(task.get_coro(), "cr_code", None)
        if running is code or (
            same_file and getattr(running, "co_filename", 0) == code.co_filename
        ):
            found.append(task)
    return found


@self_check
async def check_fastest(namespace: dict[str, Any]) -> bool | None:
    """05-tasks-and-gather, exercise 1: fastest(mirrors) races the mirrors as tasks.

    Requires: answer() started for every mirror (which one is fastest is found by racing, not
    by reading the delays); the first to answer is returned (its result, not the Task); the
    others are cancelled and waited for, so that no answer() still runs when fastest returns;
    fastest returns without waiting for every mirror; it raises no CancelledError of the tasks
    it cancelled; and it never blocks the event loop (a hang is a Mistake).
    """
    fastest = answer(namespace, "fastest", "async def fastest(mirrors)")
    original = namespace["answer"]
    asked: list[str] = []
    outcome: dict[str, str] = {}  # mirror -> answered or cancelled, once its answer() ended

    async def watched_answer(name: str, seconds: float) -> str:
        asked.append(name)
        try:
            result = await original(name, seconds)
        except asyncio.CancelledError:
            outcome[name] = "cancelled"
            raise
        outcome[name] = "answered"
        return result

    namespace["answer"] = watched_answer  # the answer looks it up when it calls it
    try:
        winner = await watchdog.finishes(
            fastest(dict(MIRRORS)), "fastest(mirrors)", function=fastest
        )
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():  # type: ignore[union-attr]
            raise  # the check itself is being cancelled
        raise Mistake(CANCELS_NOTHING) from None
    finally:
        namespace["answer"] = original
        still_running = sorted(name for name in asked if name not in outcome)
        await _cancel_running(_tasks_running(watched_answer))
    if sorted(asked) != sorted(MIRRORS):
        raise Mistake(
            f"fastest asked {asked or 'no mirror'}, not every mirror: start answer() for each "
            "one. Which answers first is found by racing them, not known in advance"
        )
    if isinstance(winner, asyncio.Future):
        raise Mistake(f"fastest returned {winner!r}: return the finished task's .result()")
    if winner != "quick":
        raise Mistake(f"fastest returned {winner!r}, not the first mirror to answer ('quick')")
    if still_running:
        raise Mistake(
            f"answer() was still running for {', '.join(still_running)} when fastest returned: "
            "cancel the other tasks, then wait for them "
            "(await asyncio.gather(*tasks, return_exceptions=True))"
        )
    if all(result == "answered" for result in outcome.values()):
        raise Mistake(
            f"fastest waited for every mirror to answer ({max(MIRRORS.values())} s): return as "
            "soon as the first answers, with asyncio.wait(..., return_when=FIRST_COMPLETED) "
            "or as_completed, and cancel the rest"
        )
    return passed("fastest returned the first answer and cancelled the others")


def _leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside an exception group, groups in groups included; or the error itself."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _retrieve(task: asyncio.Task) -> None:
    """Mark the task's exception as retrieved."""
    if not task.cancelled():
        task.exception()


class _Site:
    """A stand-in for fetch_links that serves one site and records what happens, in order."""

    def __init__(self, pages: dict[str, tuple[list[str], float]]) -> None:
        self.pages = pages
        self.events: list[tuple[str, str]] = []  # (start, end, failed or cancelled; url)
        self.running: dict[str, asyncio.Task] = {}
        self.most = 0  # most fetches running at one moment
        self.strangers: list[str] = []  # urls asked for that the site does not have
        self.left: list[str] = []  # urls still loading when the answer raised

    async def fetch_links(self, url: str) -> list[str]:
        """The links on the page at url, after the page's time to load; record it all."""
        if url not in self.pages:
            self.strangers.append(url)
            raise KeyError(url)
        self.events.append(("start", url))
        self.running[url] = asyncio.current_task()  # type: ignore[assignment]
        self.most = max(self.most, len(self.running))
        links, seconds = self.pages[url]
        try:
            await asyncio.sleep(seconds)
            if url == BROKEN:
                self.events.append(("failed", url))
                # retrieve the error once the task ends, so that an answer that never looks
                # at it logs no "never retrieved" (the Mistake says what went wrong)
                asyncio.current_task().add_done_callback(_retrieve)  # type: ignore[union-attr]
                raise ConnectionError(f"{url}: connection reset")
        except asyncio.CancelledError:
            self.events.append(("cancelled", url))
            raise
        finally:
            self.running.pop(url, None)
        self.events.append(("end", url))
        return list(links)

    def urls(self, event: str) -> list[str]:
        """The urls that had the event, in order."""
        return [url for happened, url in self.events if happened == event]

    def stranger_mistake(self) -> Mistake:
        """The Mistake for an answer that asked for pages the site does not have."""
        return Mistake(
            f"fetch_site asked for {', '.join(self.strangers)}, which the site being checked "
            "does not have: follow the links that each page returns, do not read SITE"
        )


async def _crawl(fetch_site: Callable[..., Any], site: _Site) -> Any:
    """Run the answer on the site, under the watchdog; cancel what it left running."""
    try:
        return await watchdog.finishes(
            fetch_site("/"), "fetch_site('/')", advice=NEVER_DONE, function=fetch_site
        )
    finally:
        site.left = sorted(site.running)
        await _cancel_running([*site.running.values(), *_tasks_running(fetch_site, same_file=True)])


@self_check
async def check_fetch_site(namespace: dict[str, Any]) -> bool | None:
    """05-tasks-and-gather, exercise 2: fetch_site(root) loads a tree of pages in one group.

    Requires, on a site of its own (not the notebook's SITE): every page below the root loaded,
    once, and returned as {url: links}, all loaded when fetch_site returns; pages load at once,
    and a page's links start as soon as that page has loaded, not level by level (/fast/a starts
    before /slow ends); when one page fails, no fetch is still running when fetch_site raises,
    the slow ones were cancelled rather than loaded in full, and the page's ConnectionError
    comes out (in an ExceptionGroup, nested or not); no hang (a hang is a Mistake).
    """
    fetch_site = answer(namespace, "fetch_site", "async def fetch_site(root)")
    original = namespace.get("fetch_links")
    try:
        site = _Site(SITE)
        namespace["fetch_links"] = site.fetch_links  # the answer looks it up when it calls it
        try:
            pages = await _crawl(fetch_site, site)
        except Mistake:
            raise
        except Exception as error:
            if site.strangers:
                raise site.stranger_mistake() from None
            raise Mistake(f"fetch_site raised {error!r} on a site where every page loads") from None
        _check_the_whole_site(site, pages)
        broken = _Site(BROKEN_SITE)
        namespace["fetch_links"] = broken.fetch_links
        try:
            returned = await _crawl(fetch_site, broken)
        except Mistake:
            raise
        except Exception as error:
            if not any(isinstance(leaf, ConnectionError) for leaf in _leaves(error)):
                raise Mistake(f"fetch_site raised {error!r}, not the failed page's error") from None
        else:
            raise Mistake(
                f"{BROKEN} failed, yet fetch_site returned {returned!r}: let the error out (a "
                "TaskGroup raises it in an ExceptionGroup); do not catch it or skip the page"
            )
        _check_the_stop(broken)
    finally:
        if original is None:
            namespace.pop("fetch_links", None)
        else:
            namespace["fetch_links"] = original
    return passed(
        "fetch_site loaded each page's links as soon as the page had loaded, and stopped every "
        f"fetch when {BROKEN} failed"
    )


def _check_the_whole_site(site: _Site, pages: Any) -> None:
    """Every page once, all loaded by the return, as {url: links}; at once, not level by level."""
    if site.strangers:
        raise site.stranger_mistake()
    missing = [url for url in SITE if url not in site.urls("end")]
    if missing:
        raise Mistake(
            f"when fetch_site returned, {', '.join(missing)} had not loaded: wait for every "
            "page, also those found on the way. A TaskGroup waits for every task created in "
            "it, also those that its tasks create later"
        )
    twice = sorted({url for url in site.urls("start") if site.urls("start").count(url) > 1})
    if twice:
        raise Mistake(f"fetch_site loaded {', '.join(twice)} more than once: load each page once")
    expected = {url: links for url, (links, _) in SITE.items()}
    if not isinstance(pages, dict) or pages != expected:
        raise Mistake(f"fetch_site returned {pages!r}: return a dict {{url: links}} of every page")
    if site.most < 2:
        raise Mistake(
            "fetch_site loaded one page at a time: start each link as a task, so that the "
            "pages load at once"
        )
    if site.events.index(("start", EARLY)) > site.events.index(("end", SLOW)):
        raise Mistake(
            f"{EARLY} started only after {SLOW} had loaded, though its page /fast had loaded "
            "long before: the crawl went level by level. Start a page's links the moment that "
            "page has loaded (a task in the group can create tasks in it)"
        )


def _check_the_stop(broken: _Site) -> None:
    """When a page failed: nothing left running, and the slow pages cancelled, not loaded."""
    if broken.left:
        raise Mistake(
            f"fetch_links was still running for {', '.join(broken.left)} when fetch_site raised: "
            "cancel the other fetches and wait for them before raising, as a TaskGroup does"
        )
    finished = [url for url in broken.urls("end") if url in (SLOW, EARLY)]
    if finished:
        raise Mistake(
            f"{', '.join(finished)} loaded in full after {BROKEN} had failed: cancel the other "
            "fetches as soon as one fails"
        )
