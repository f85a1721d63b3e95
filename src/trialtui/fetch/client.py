"""A polite HTTP client for ClinicalTrials.gov API v2.

Polite means: at most a few requests per second (a minimum interval between requests), and on
HTTP 429 or 5xx, a timeout, a dropped connection or a truncated body, a bounded number of retries
with exponential back-off and jitter, honouring the server's ``Retry-After``. Every wait goes
through the caller's cancel Event, so Ctrl-C or the TUI's Cancel button stops it at once.
"""

from __future__ import annotations

import email.utils
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from trialtui import __version__

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
BASE_URL_ENV = "TRIALTUI_API_URL"


def resolve_base_url(flag: str | None = None) -> str:
    """The ``--base-url`` flag, else ``$TRIALTUI_API_URL``, else the public API."""
    return (flag or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


class FetchError(Exception):
    """The server could not be reached, kept failing or refused; the message is meant for the user."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status of a refused request (4xx, not retried), else None."""


class FetchCancelled(Exception):
    """The caller's cancel Event was set; whatever was stored so far stays stored."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests shrink the delays; users keep the defaults."""

    max_tries: int = 5
    base_delay: float = 1.0
    """First back-off; doubles with each retry, half of it random so clients do not retry in step."""
    max_delay: float = 60.0
    """Longest single wait. A ``Retry-After`` above this ends the fetch instead of hanging it."""
    min_interval: float = 0.34
    """Seconds between request starts: about three requests per second."""
    timeout: float = 30.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Retrying:
    """Told to the progress callback before each back-off, so the user sees why nothing moves."""

    attempt: int
    max_tries: int
    delay: float
    reason: str


@dataclass
class Page:
    studies: list[dict[str, Any]]
    next_page_token: str | None
    total_count: int | None
    base_url: str


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` is either seconds or an HTTP date; anything unreadable is ignored."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(exc: httpx.TransportError) -> str:
    kind = {
        httpx.TimeoutException: "timed out",
        httpx.ConnectError: "could not connect",
        httpx.RemoteProtocolError: "connection dropped mid-response",
    }
    label = next((text for cls, text in kind.items() if isinstance(exc, cls)), "network error")
    return f"{label} ({exc})" if str(exc) else label


@dataclass
class CtgovClient:
    """Talks to one API base URL; use as a context manager so its connections are closed."""

    base_url: str = field(default_factory=resolve_base_url)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    cancel: threading.Event = field(default_factory=threading.Event)
    on_retry: Callable[[Retrying], None] | None = None
    rng: random.Random = field(default_factory=random.Random)
    requests_made: int = 0

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._http = httpx.Client(
            timeout=self.policy.timeout,
            headers={"User-Agent": f"trialtui/{__version__}", "Accept": "application/json"},
            follow_redirects=True,
        )
        self._last_request = float("-inf")

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def studies_page(self, params: dict[str, str], page_token: str | None = None) -> Page:
        """One page of ``GET /studies``; the first page also asks for the total count."""
        query = dict(params)
        if page_token:
            query["pageToken"] = page_token
        else:
            query["countTotal"] = "true"
        url = f"{self.base_url}/studies"
        body = self._get_json(url, query)
        studies = body.get("studies") if isinstance(body, dict) else None
        if not isinstance(studies, list):
            raise FetchError(f"unexpected answer from {url}: no list of studies")
        total = body.get("totalCount")
        return Page(
            studies=studies,
            next_page_token=body.get("nextPageToken") or None,
            total_count=total if isinstance(total, int) else None,
            base_url=self.base_url,
        )

    def iter_pages(self, params: dict[str, str], page_token: str | None = None) -> Iterator[Page]:
        """Every page from ``page_token`` (or the first) to the last ``nextPageToken``."""
        while True:
            page = self.studies_page(params, page_token)
            yield page
            if not page.next_page_token:
                return
            page_token = page.next_page_token

    def study(self, nct_id: str) -> dict[str, Any] | None:
        """``GET /studies/{nctId}``; None when the registry has no such study."""
        url = f"{self.base_url}/studies/{nct_id}"
        try:
            body = self._get_json(url, {})
        except _NotFound:
            return None
        return body if isinstance(body, dict) else None

    def _get_json(self, url: str, params: dict[str, str]) -> Any:
        tries = self.policy.max_tries
        for attempt in range(1, tries + 1):
            self._check_cancel()
            self._wait_for_turn()
            try:
                return self._attempt(url, params)
            except _Retryable as problem:
                if attempt == tries:
                    raise FetchError(f"fetch failed after {tries} tries: {problem.reason}") from None
                delay = self._delay(attempt, problem)
                if self.on_retry:
                    self.on_retry(Retrying(attempt, tries, delay, problem.reason))
                if self.cancel.wait(delay):
                    raise FetchCancelled() from None
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, url: str, params: dict[str, str]) -> Any:
        self.requests_made += 1
        try:
            response = self._http.get(url, params=params)
        except httpx.TransportError as exc:
            raise _Retryable(f"{_reason(exc)} from {url}") from exc
        shown_url = str(response.url)
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(
                f"HTTP {response.status_code} from {shown_url}",
                _retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code == 404 and "/studies/" in url:
            raise _NotFound()
        if response.status_code >= 400:
            raise FetchError(
                f"HTTP {response.status_code} from {shown_url}: {_api_message(response)}",
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise _Retryable(f"incomplete or invalid JSON from {shown_url}") from None

    def _delay(self, attempt: int, problem: _Retryable) -> float:
        if problem.retry_after is None:
            return self.policy.backoff(attempt, self.rng)
        if problem.retry_after > self.policy.max_delay:
            raise FetchError(
                f"{problem.reason}: the server asks to wait {problem.retry_after:.0f} s; try again later"
            )
        return problem.retry_after

    def _wait_for_turn(self) -> None:
        """Keep at least ``min_interval`` between request starts, across retries and pages."""
        wait = self._last_request + self.policy.min_interval - time.monotonic()
        if wait > 0 and self.cancel.wait(wait):
            raise FetchCancelled()
        self._last_request = time.monotonic()

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise FetchCancelled()


class _NotFound(Exception):
    pass


def _api_message(response: httpx.Response) -> str:
    """The API explains a 400 in plain text or JSON; show the first line of it."""
    text = response.text.strip()
    return text.splitlines()[0][:200] if text else response.reason_phrase
