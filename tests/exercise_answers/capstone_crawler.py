"""What 15-capstone-crawler defines before its exercises (wrong answers: the .toml)."""

import asyncio
import linecache
import re
import statistics
import time
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp
from solutions import named

from helpers.exercises.crawlcheck import RequestLog, expected_crawl, loopback_session, server_stats
from helpers.lessons.backpressure import ToyCrawl, pipeline, toy_crawl, toy_links
from helpers.lessons.crawler import QUEUE_SHUT_DOWN, end_workers, page_links
from helpers.lessons.crawler import crawl as reference_crawl
from helpers.measure.show import show_source
from helpers.measure.timing import Stopwatch
from helpers.server.process import SlowServer


def notebook_namespace() -> dict:
    """What 15-capstone-crawler's setup defines, and exercise 1's answer for exercise 2."""
    return named(
        *(asyncio, aiohttp, linecache, re, statistics, time),
        *(deque, HTMLParser, urldefrag, urljoin, urlsplit),
        *(RequestLog, expected_crawl, loopback_session, server_stats),
        *(
            ToyCrawl,
            pipeline,
            toy_crawl,
            toy_links,
            end_workers,
            show_source,
            Stopwatch,
            SlowServer,
        ),
        page_links,  # exercise 1's answer, which exercise 2 uses
        QUEUE_SHUT_DOWN=QUEUE_SHUT_DOWN,
        reference_crawl=reference_crawl,
        reference_page_links=page_links,
        **{"SEED": 9, "PAGES": 200, "LATENCY": 0.05, "JITTER": 0.05, "WORKERS": 20, "RATE": 100},
    )
