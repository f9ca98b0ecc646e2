"""What 05-tasks-and-gather defines before its exercises, and named wrong answers to them."""

import asyncio

from solutions import NotApplicable, WrongAnswer, named, template


def notebook_namespace() -> dict:
    """What 05-tasks-and-gather defines before its exercises, as the exercises use it."""

    async def answer(name: str, seconds: float) -> str:
        await asyncio.sleep(seconds)
        return name

    site = {
        "/": (["/docs", "/blog"], 0.01),
        "/docs": (["/docs/install", "/docs/api"], 0.05),
        "/blog": (["/blog/2026"], 0.02),
        "/docs/install": ([], 0.01),
        "/docs/api": ([], 0.03),
        "/blog/2026": ([], 0.01),
    }

    async def fetch_links(url: str) -> list[str]:
        links, seconds = site[url]
        await asyncio.sleep(seconds)
        return links

    mirrors = {"mirror A": 0.3, "mirror B": 0.1, "mirror C": 0.2}
    return named(asyncio, answer, fetch_links, SITE=site, MIRRORS=mirrors)


# fetch_site loading each page in visit(url), awaited from the root: each wrong answer fills in
# what visit does with the page's links
visiting = template("""
async def fetch_site(root):
    pages = {}

    async def visit(url):
        pages[url] = await fetch_links(url)
        ...

    await visit(root)
    return pages
""")

WRONG_ANSWERS = {
    "check_fastest": {
        "gather waits for every mirror": WrongAnswer(
            """
async def fastest(mirrors):
    await asyncio.gather(*(answer(name, seconds) for name, seconds in mirrors.items()))
    return min(mirrors, key=mirrors.get)
""",
            says=r"fastest waited for every mirror to answer \(0.6 s\)",
            kind="structure",
        ),
        "the others left running": WrongAnswer(
            """
async def fastest(mirrors):
    tasks = [asyncio.create_task(answer(name, seconds)) for name, seconds in mirrors.items()]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    return done.pop().result()
""",
            says=r"answer\(\) was still running for medium, slow when fastest returned",
            kind="half",
        ),
        "cancelled but not waited for": WrongAnswer.from_solution(
            """        await asyncio.gather(*tasks, return_exceptions=True)
""",
            "",
            says=r"still running for medium, slow when fastest returned: cancel the other tasks, "
            r"then wait for them",
            kind="half",
        ),
        "cancelled, then gathered without return_exceptions": WrongAnswer.from_solution(
            "await asyncio.gather(*tasks, return_exceptions=True)",
            "await asyncio.gather(*tasks)",
            says=r"fastest raised CancelledError: awaiting a task that was cancelled",
            kind="other",
        ),
        "picks the smallest delay without asking": WrongAnswer(
            """
async def fastest(mirrors):
    return min(mirrors, key=mirrors.get)
""",
            says=r"fastest asked no mirror, not every mirror: start answer\(\) for each one",
            kind="luck",
        ),
        "awaits the mirrors one by one": WrongAnswer(
            """
async def fastest(mirrors):
    for name, seconds in mirrors.items():
        return await answer(name, seconds)
""",
            says=r"fastest asked \['slow'\], not every mirror",
            kind="luck",
        ),
        "the Task returned, not its result": WrongAnswer.from_solution(
            "return next(iter(done)).result()",
            "return next(iter(done))",
            says=r"fastest returned <Task .*>: return the finished task's .result\(\)",
            kind="other",
        ),
        "polls done() in a loop without awaiting": WrongAnswer(
            """
async def fastest(mirrors):
    tasks = [asyncio.create_task(answer(name, seconds)) for name, seconds in mirrors.items()]
    while not any(task.done() for task in tasks):
        pass  # until one has answered
    winner = next(task for task in tasks if task.done())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return winner.result()
""",
            says=r"fastest\(mirrors\) blocked the event loop for 2 s",
            kind="hang",
        ),
    },
    "check_fetch_site": {
        "level by level, a gather per level": WrongAnswer(
            """
async def fetch_site(root):
    pages, level = {}, [root]
    while level:
        found = await asyncio.gather(*(fetch_links(url) for url in level))
        pages.update(zip(level, found))
        level = [link for links in found for link in links]
    return pages
""",
            says=r"/fast/a started only after /slow had loaded.*level by level",
            kind="structure",
        ),
        "one page at a time": WrongAnswer(
            visiting("""
                for link in pages[url]:
                    await visit(link)
            """),
            says=r"fetch_site loaded one page at a time",
            kind="structure",
        ),
        "a gather in each page: the others run on after the failure": WrongAnswer(
            visiting("""
                await asyncio.gather(*(visit(link) for link in pages[url]))
            """),
            says=r"fetch_links was still running for /fast/a, /slow when fetch_site raised",
            kind="half",
        ),
        "create_task outside the group: returns before the pages load": WrongAnswer(
            visiting("""
                for link in pages[url]:
                    asyncio.create_task(visit(link))
            """),
            says=r"when fetch_site returned, /slow, /fast, .* had not loaded: wait for every page",
            kind="half",
        ),
        "a failed page skipped, the error swallowed": WrongAnswer.from_solution(
            "pages[url] = await fetch_links(url)",
            """try:
            pages[url] = await fetch_links(url)
        except Exception:
            return""",
            says=r"/broken failed, yet fetch_site returned",
            kind="half",
        ),
        "the notebook's SITE, not the links": WrongAnswer(
            """
async def fetch_site(root):
    async with asyncio.TaskGroup() as group:
        tasks = {url: group.create_task(fetch_links(url)) for url in SITE}
    return {url: task.result() for url, task in tasks.items()}
""",
            says=r"fetch_site asked for /docs, /blog, .*which the site being checked does not have",
            kind="luck",
        ),
        "an Event set by the last page: a failure never sets it": WrongAnswer(
            """
async def fetch_site(root):
    pages, loading, tasks = {}, 1, set()
    all_loaded = asyncio.Event()

    async def visit(url):
        nonlocal loading
        pages[url] = await fetch_links(url)
        for link in pages[url]:
            loading += 1
            tasks.add(asyncio.create_task(visit(link)))
        loading -= 1
        if loading == 0:
            all_loaded.set()

    tasks.add(asyncio.create_task(visit(root)))
    await all_loaded.wait()
    return pages
""",
            says=r"fetch_site\('/'\) was still waiting after [0-9.]+ s, with the loop free: "
            r".*never sets",
            kind="hang",
        ),
    },
}


# Kinds that no wrong answer here covers, with the reason they do not apply (issue 23).
NOT_APPLICABLE: NotApplicable = {
    "check_fastest": {
        "bypass": "the exercise asks for asyncio.wait or as_completed by name: calling them is "
        "the answer, and no course helper races mirrors",
    },
    "check_fetch_site": {
        "bypass": "neither asyncio nor the course has a function that loads a tree of pages: "
        "there is nothing to call in place of writing it",
    },
}
