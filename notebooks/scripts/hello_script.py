"""The article's hello() run as a plain script, where no event loop runs yet (02-coroutines).

From the course folder:

    python notebooks/scripts/hello_script.py            # the modern way: asyncio.run(hello())
    python notebooks/scripts/hello_script.py --article  # the article's get_event_loop() way
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import warnings


async def hello() -> None:
    """Print Hello, wait as a slow network call would, print World (02-coroutines)."""
    print("Hello")
    await asyncio.sleep(0.1)
    print("World")


def run_like_the_article() -> None:
    """Run hello() with get_event_loop().run_until_complete(), report warnings (02-coroutines)."""
    print(f"Python {platform.python_version()}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError as error:
            print(f"get_event_loop() raised RuntimeError: {error}")
            return
    if caught:
        for warning in caught:
            print(f"get_event_loop() warned: {warning.category.__name__}: {warning.message}")
    else:
        print("get_event_loop() returned a new loop without a warning")
    try:
        loop.run_until_complete(hello())
    finally:
        loop.close()  # the article never closes its loop


def main() -> None:
    """Run hello() the way the command line asks (02-coroutines)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", action="store_true", help="use the article's way")
    if parser.parse_args().article:
        run_like_the_article()
    else:
        asyncio.run(hello())  # makes a loop, runs hello() to the end, closes the loop


if __name__ == "__main__":
    main()
