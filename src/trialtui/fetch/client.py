"""A polite, guarded HTTP client for ClinicalTrials.gov API v2.

Polite means: at most a few requests per second (a minimum interval between requests), and on
HTTP 429 or 5xx, a timeout, a dropped connection or a truncated body, a bounded number of retries
with exponential back-off and jitter, honouring the server's ``Retry-After``.

Guarded means no server can hold it: each request runs on its own daemon thread while the caller
waits on the cancel Event and an overall deadline, so Ctrl-C or the TUI's Cancel stops it within a
fraction of a second and a server trickling one byte at a time is given up on; the body is
streamed and dropped past a size cap (a gzip bomb never inflates in memory); redirects to another
host are refused; page tokens that repeat are caught (`iter_pages`). Every failure is a
`FetchError` whose message is one line for the user, never an httpx traceback.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from trialtui import __version__
from trialtui.fetch.params import normalise_nct_id

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
BASE_URL_ENV = "TRIALTUI_API_URL"


MAX_REDIRECTS = 5


def resolve_base_url(flag: str | None = None) -> str:
    """The ``--base-url`` flag, else ``$TRIALTUI_API_URL``, else the public API."""
    return (flag or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


class BaseUrlError(ValueError):
    """A base URL that is no http(s) address: a usage error, never something to retry."""


def check_base_url(url: str) -> str:
    """``url`` without its trailing slash, or `BaseUrlError` saying what is wrong with it."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as problem:
        raise BaseUrlError(f"{url}: not a valid URL ({problem})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BaseUrlError(f"{url}: not an http:// or https:// address "
                           f"(e.g. {DEFAULT_BASE_URL})")
    return url.rstrip("/")


class FetchError(Exception):
    """The server could not be reached, kept failing or refused; the message is meant for the user."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status of a refused request (4xx, not retried), else None."""


class FetchCancelled(Exception):
    """The caller's cancel Event was set; whatever was stored so far stays stored."""


class RunawayPaging(FetchError):
    """The server's paging would never end (a repeated page token, more than ``totalCount``):
    resuming from its last token would only loop again."""


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
    """Longest wait for any one read from the server."""
    deadline: float = 60.0
    """Longest one request may take from start to last byte, however the server trickles it."""
    max_bytes: int = 256 * 1024 * 1024
    """Largest answer kept, counted after decompression; a larger one ends the fetch. A page of
    1,000 studies with results sections runs to tens of megabytes, so the cap leaves it room."""

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


def _reason(exc: BaseException) -> str:
    kind = {
        httpx.TimeoutException: "timed out",
        httpx.ConnectError: "could not connect",
        httpx.RemoteProtocolError: "connection dropped mid-response",
        httpx.DecodingError: "could not decompress the answer",
    }
    label = next((text for cls, text in kind.items() if isinstance(exc, cls)), "network error")
    detail = " ".join(str(exc).split())
    return f"{label} ({detail})" if detail else label


@dataclass
class _Answer:
    status: int
    headers: httpx.Headers
    url: str
    reason_phrase: str
    body: bytearray


class _TooLarge(Exception):
    pass


class _Undecodable(Exception):
    pass


_INFLATE_STEP = 1024 * 1024
"""Most bytes one decompression step may produce, so a bomb never inflates past the cap at once."""


def _inflated(raw: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """The body's bytes as sent before ``Content-Encoding``, in steps of at most `_INFLATE_STEP`."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        yield from raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _Undecodable(f"the answer is encoded as {encoding!r}, which trialtui cannot read")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, told by the header
    try:
        for chunk in raw:
            while chunk:
                yield inflater.decompress(chunk, _INFLATE_STEP)
                chunk = inflater.unconsumed_tail
            if inflater.eof:
                return
        yield inflater.flush()
    except zlib.error as problem:
        raise httpx.DecodingError(str(problem)) from None
    if not inflater.eof:
        raise httpx.RemoteProtocolError("the compressed answer ends early")


class _Transfer:
    """One GET on a daemon thread of its own, so the caller can give up on it at any moment.

    The body is streamed (decompressed as it arrives) and dropped once it passes ``max_bytes``.
    Abandoning shuts the socket down, which ends a read blocked on a silent server at once.
    """

    def __init__(self, http: httpx.Client, url: str, params: dict[str, str] | None, max_bytes: int) -> None:
        self.done = threading.Event()
        self.answer: _Answer | None = None
        self.error: BaseException | None = None
        self._abandoned = threading.Event()
        self._socket: socket.socket | None = None
        self._args = (http, url, params, max_bytes)
        threading.Thread(target=self._run, name="trialtui-request", daemon=True).start()

    def _run(self) -> None:
        http, url, params, max_bytes = self._args
        try:
            with http.stream("GET", url, params=params) as response:
                stream = response.extensions.get("network_stream")
                self._socket = stream.get_extra_info("socket") if stream else None
                if self._abandoned.is_set():
                    return
                body = bytearray()
                encoding = response.headers.get("Content-Encoding", "")
                for chunk in _inflated(response.iter_raw(), encoding):
                    if self._abandoned.is_set():
                        return
                    if len(body) + len(chunk) > max_bytes:
                        raise _TooLarge()
                    body += chunk
                self.answer = _Answer(response.status_code, response.headers, str(response.url),
                                      response.reason_phrase, body)
        except Exception as error:  # handed to the waiting caller, which words it for the user
            self.error = error
        finally:
            self.done.set()

    def abandon(self) -> None:
        self._abandoned.set()
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


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
            headers={"User-Agent": f"trialtui/{__version__}", "Accept": "application/json",
                     "Accept-Encoding": "gzip"},
            follow_redirects=False,
        )
        self._last_request = float("-inf")

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._http.close()
        except Exception:  # noqa: BLE001 - an abandoned request's connection may already be torn down
            pass

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

    def iter_pages(
        self, params: dict[str, str], page_token: str | None = None, *,
        total_count: int | None = None, studies_before: int = 0, pages_before: int = 0,
    ) -> Iterator[Page]:
        """Every page from ``page_token`` (or the first) to the last ``nextPageToken``.

        Raises `RunawayPaging` instead of asking for a page token it already followed, or for
        more pages or studies than the server's ``totalCount`` allows: a server can loop its
        tokens forever. A resumed fetch passes the totals its checkpoint kept.
        """
        seen = {page_token} if page_token else set()
        studies, pages, largest = studies_before, pages_before, 0
        while True:
            page = self.studies_page(params, page_token)
            yield page
            if page.total_count is not None:
                total_count = page.total_count
            studies += len(page.studies)
            pages += 1
            largest = max(largest, len(page.studies))
            token = page.next_page_token
            if not token:
                return
            if token in seen:
                raise RunawayPaging(
                    f"{self.base_url}: the server repeated a page token after page {pages:,}; "
                    "stopped, as its pages would never end")
            # A page's worth of slack: the registry may post new studies while a fetch runs.
            if total_count is not None and (studies > total_count + largest or pages > total_count + 1):
                raise RunawayPaging(
                    f"{self.base_url}: the server sent {studies:,} studies in {pages:,} pages but "
                    f"said it holds {total_count:,}; stopped, as its pages would never end")
            seen.add(token)
            page_token = token

    def study(self, nct_id: str) -> dict[str, Any] | None:
        """``GET /studies/{nctId}``; None when the registry has no such study. `QueryError` for an
        id that is not an NCT ID: ``NCT00000001/../x`` or ``NCT1?x=y`` never becomes part of a URL."""
        url = f"{self.base_url}/studies/{normalise_nct_id(nct_id)}"
        try:
            body = self._get_json(url, {})
        except _NotFound:
            return None
        return body if isinstance(body, dict) else None

    def _get_json(self, url: str, params: dict[str, str]) -> Any:
        try:
            check_base_url(self.base_url)
        except BaseUrlError as problem:
            raise FetchError(str(problem)) from None
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
        response = self._get(url, params)
        shown_url = response.url
        if response.status == 429 or response.status >= 500:
            raise _Retryable(
                f"HTTP {response.status} from {shown_url}",
                _retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status == 404 and "/studies/" in url:
            raise _NotFound()
        if response.status >= 400:
            raise FetchError(
                f"HTTP {response.status} from {shown_url}: {_api_message(response)}",
                status=response.status,
            )
        if response.status >= 300:
            raise FetchError(f"{shown_url}: HTTP {response.status} without a usable redirect")
        try:
            return json.loads(response.body)
        except (ValueError, RecursionError):
            raise _Retryable(f"incomplete or invalid JSON from {shown_url}") from None

    def _get(self, url: str, params: dict[str, str] | None) -> _Answer:
        """The answer to ``GET url``, following redirects on the same host only.

        A redirect to another host is refused: what is stored names the server the user chose
        (its provenance), and a silent hop elsewhere would make that false.
        """
        first = httpx.URL(url)
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._request(url, params)
            location = answer.headers.get("Location")
            if answer.status not in (301, 302, 303, 307, 308) or not location:
                return answer
            try:
                target = httpx.URL(answer.url).join(location)
            except (httpx.InvalidURL, ValueError):
                raise FetchError(f"{answer.url}: redirected to an invalid address") from None
            if (target.scheme not in ("http", "https") or target.host != first.host
                    or target.port != first.port):
                raise FetchError(
                    f"{answer.url}: redirected from {first.host} to another host, "
                    f"{target.host or target.scheme}; refused (use --base-url with that server "
                    "if you trust it)")
            url, params = str(target), None  # the Location carries its own query
        raise FetchError(f"{first}: more than {MAX_REDIRECTS} redirects (a redirect loop)")

    def _request(self, url: str, params: dict[str, str] | None) -> _Answer:
        """One request, given up on when the user cancels or it outlasts ``policy.deadline``."""
        transfer = _Transfer(self._http, url, params, self.policy.max_bytes)
        deadline = time.monotonic() + self.policy.deadline
        while not transfer.done.wait(0.05):
            if self.cancel.is_set():
                transfer.abandon()
                raise FetchCancelled()
            if time.monotonic() > deadline:
                transfer.abandon()
                raise _Retryable(f"no complete answer within {self.policy.deadline:g} s from {url}")
        error = transfer.error
        if error is None and transfer.answer is not None:
            return transfer.answer
        if isinstance(error, _TooLarge):
            raise FetchError(f"{url}: the answer is larger than "
                             f"{self.policy.max_bytes / 2**20:g} MB once decompressed; stopped")
        if isinstance(error, _Undecodable):
            raise FetchError(f"{url}: {error}")
        if isinstance(error, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
            raise FetchError(f"{url}: {error}")
        if isinstance(error, (httpx.TransportError, httpx.DecodingError, OSError)):
            raise _Retryable(f"{_reason(error)} from {url}")
        if isinstance(error, (httpx.HTTPError, httpx.StreamError)):
            raise FetchError(f"{url}: {_reason(error)}")
        raise error if error is not None else AssertionError("a transfer ends with an answer or an error")

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


def _api_message(response: _Answer) -> str:
    """The API explains a 400 in plain text or JSON; show the first line of it, with any control
    character the server sent written as a visible escape, never raw to the terminal."""
    text = response.body[:4096].decode("utf-8", errors="replace").strip()
    line = text.splitlines()[0][:200] if text else response.reason_phrase
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in line)
