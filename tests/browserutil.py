"""Shared helpers for browser tests of the built book (Playwright + Debian chromium, offline).

Usage in a test module::

    from browserutil import book_page_path, open_page

    def test_something():
        path = book_page_path("chapters/08_vanishing_exploding.html")  # skips if not built
        with open_page(path) as (page, errors):
            ...
        assert errors == []

Every request that is not ``file://`` or to 127.0.0.1/localhost is aborted,
so a page that works here works offline. Page errors (uncaught exceptions)
and console errors are collected in ``errors``; aborted requests are listed
too, prefixed ``blocked:``.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tools.build_pdf import BROWSER_FLAGS

ROOT = Path(__file__).resolve().parents[1]
# Debian's chromium; $BOOK_CHROMIUM points elsewhere (e.g. the preinstalled Chrome of CI runners).
CHROMIUM = os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = BROWSER_FLAGS
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def book_html_dir() -> Path:
    """The built book's HTML folder: ``$BOOK_HTML`` or ``<repo>/_build/html``."""
    return Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))


def require_browser() -> None:
    """Skip the calling test (with a reason) unless Playwright and /usr/bin/chromium are available."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set BOOK_CHROMIUM)")
    pytest.importorskip("playwright.sync_api", reason="playwright for Python is not installed")


def book_page_path(relative: str) -> Path:
    """Path of a page of the built book; skips the test if the book (or the page) is not built."""
    html = book_html_dir()
    if not (html / "index.html").exists() and not html.is_dir():
        pytest.skip(f"built book not found at {html} (build it, or set BOOK_HTML)")
    path = html / relative
    if not path.exists():
        pytest.skip(f"page {relative} not found in the built book at {html}")
    return path


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """``python -m http.server`` on 127.0.0.1 (an ephemeral port) serving ``folder``; yields its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def allowed_url(url: str) -> bool:
    """True for file:// URLs, data: and blob: URLs, and http(s) to 127.0.0.1/localhost."""
    parsed = urlparse(url)
    if parsed.scheme in ("file", "data", "blob", "about"):
        return True
    return parsed.scheme in ("http", "https") and parsed.hostname in LOCAL_HOSTS


@contextmanager
def browser() -> Iterator:
    """A headless Debian chromium driven by Playwright (skips if unavailable)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def offline_page(b, url: str, *, viewport: tuple[int, int] = (1200, 1600),
                 wait_until: str = "load") -> Iterator[tuple]:
    """Open ``url`` in a new context of browser ``b`` with the network blocked; yield ``(page, errors)``.

    ``errors`` is a live list of strings: uncaught page errors, console errors
    and requests that were blocked.
    """
    context = b.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    errors: list[str] = []

    def route(r):
        if allowed_url(r.request.url):
            r.continue_()
        else:
            errors.append(f"blocked: {r.request.url}")
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" else None)
    try:
        page.goto(url, wait_until=wait_until)
        yield page, errors
    finally:
        context.close()


@contextmanager
def open_page(path: Path | str, *, viewport: tuple[int, int] = (1200, 1600),
              wait_until: str = "load") -> Iterator[tuple]:
    """Start a browser and open a local page (a path or URL) with the network blocked.

    Yields ``(page, errors)`` as :func:`offline_page`.
    """
    text = str(path)
    url = text if "://" in text else Path(text).resolve().as_uri()
    with browser() as b, offline_page(b, url, viewport=viewport, wait_until=wait_until) as opened:
        yield opened


def page_errors(errors: list[str], *, ignore_blocked: bool = False) -> list[str]:
    """The collected errors, optionally without the ``blocked:`` entries."""
    return [e for e in errors if not (ignore_blocked and e.startswith("blocked:"))]
