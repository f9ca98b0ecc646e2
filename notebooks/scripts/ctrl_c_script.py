"""A script that Ctrl-C interrupts: what asyncio.run does with SIGINT (02-coroutines).

From the course folder, run it and press Ctrl-C once it says "working":

    python notebooks/scripts/ctrl_c_script.py

Notebook 02 starts it and sends it SIGINT, the signal Ctrl-C sends.
"""

from __future__ import annotations

import asyncio


async def download(part: int) -> None:
    """Stand for a long download: say "working", wait, report a cancellation (02-coroutines)."""
    print(f"download {part}: working", flush=True)
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        print(f"download {part}: CancelledError at its await", flush=True)
        raise


async def main() -> None:
    """Run a download, and clean up however it ends (02-coroutines)."""
    try:
        await asyncio.create_task(download(1), name="download 1")
    except asyncio.CancelledError:
        print("main: CancelledError at its await", flush=True)
        raise  # never swallow it: asyncio.run needs it to stop the program
    finally:
        print("main: finally ran: files closed, progress saved", flush=True)


def run() -> None:
    """Run main() as a script does, and say when Ctrl-C reaches the caller (02-coroutines)."""
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("asyncio.run raised KeyboardInterrupt in the caller", flush=True)
        raise  # Python then exits as a program killed by SIGINT would


if __name__ == "__main__":
    run()
