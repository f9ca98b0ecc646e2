"""What 16-capstone-polite-crawler defines before its exercises (wrong answers: the .toml)."""

import asyncio
import random
import time
from urllib.parse import urldefrag

import aiohttp
from solutions import named, solution

from helpers.exercises.crawlcheck import (
    RequestLog,
    check_crawl,
    expected_crawl,
    loopback_session,
    server_stats,
)
from helpers.lessons.crawler import (
    CRAWL_BURST,
    REQUEST_TIMEOUT,
    RETRY_STATUSES,
    CrawlResult,
    TokenBucket,
    page_links,
)
from helpers.lessons.crawler import crawl as reference_crawl
from helpers.server.process import SlowServer


def notebook_namespace() -> dict:
    """What 16-capstone-polite-crawler's setup defines, and the earlier steps' answers.

    The later steps use the learner's own answers to the earlier ones, which look up the
    notebook's names (REQUEST_TIMEOUT...) when they run: the solutions shown, run here.
    """
    namespace = named(
        *(asyncio, aiohttp, random, time, urldefrag),
        *(RequestLog, check_crawl, expected_crawl, loopback_session, server_stats),
        *(CrawlResult, TokenBucket, page_links, SlowServer),
        CRAWL_BURST=CRAWL_BURST,
        REQUEST_TIMEOUT=REQUEST_TIMEOUT,
        RETRY_STATUSES=RETRY_STATUSES,
        reference_crawl=reference_crawl,
        **{"SEED": 9, "PAGES": 200, "LATENCY": 0.05, "JITTER": 0.05, "ERROR_RATE": 0.1},
        **{"WORKERS": 20, "RATE": 100, "ATTEMPTS": 4, "BACKOFF": 0.05},
    )
    for check in ("check_fetch_with_retries", "check_finish", "check_crawl_worker"):
        exec(solution("capstone_polite_crawler", check), namespace)
    return namespace
