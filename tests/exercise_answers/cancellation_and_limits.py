"""What 06-cancellation-and-limits defines before its exercises (wrong answers: the .toml)."""

import asyncio
import contextvars
import io
import logging

from solutions import named


def notebook_namespace() -> dict:
    """What 06-cancellation-and-limits defines before its exercises, as the exercises use it."""
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

    class RequestIdFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.request_id = request_id.get()
            return True

    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(levelname)s %(message)s"))
    log = logging.getLogger("tests.exercise_answers.shop")
    log.handlers.clear()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False

    async def respond() -> None:
        log.info("received")
        await asyncio.sleep(0.01)
        log.info("answered")

    return named(
        asyncio,
        contextvars,
        logging,
        RequestIdFilter,
        respond,
        request_id=request_id,
        handler=handler,
        log=log,
    )
