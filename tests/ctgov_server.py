"""A local stand-in for ClinicalTrials.gov API v2, so fetch and update are tested without the internet.

It serves real study records on 127.0.0.1 with the API's shapes: ``GET /api/v2/studies`` pages
linked by opaque ``nextPageToken`` values (``pageSize`` honoured up to the server's own cap,
``countTotal``, ``filter.ids``, ``filter.overallStatus``, the ``query.*`` searches roughly) and
``GET /api/v2/studies/{nctId}``. Faults are scripted per request or per page: 429 with
``Retry-After``, 5xx, slow answers, bodies cut short, bodies trickled a byte at a time, redirects,
gzip bombs. A hostile server can also loop its page tokens (`repeat_tokens`, `endless`). Every
request is logged so tests can count them.
"""

from __future__ import annotations

import base64
import copy
import functools
import gzip
import io
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


def load_studies(path: Path) -> list[dict[str, Any]]:
    """Studies from a ``.jsonl.gz`` file (one per line) or an API page (``{"studies": [...]}``)."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
    return json.loads(path.read_text(encoding="utf-8"))["studies"]


def nct_id_of(study: dict[str, Any]) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


OLD_CRITERIA = """Inclusion Criteria:

* Platelet count ≥ 100 × 10^9/L
* ECOG performance status 0-1

Exclusion Criteria:

* Pregnancy
"""
"""Criteria with one known threshold, set on a study before a test changes it."""


def with_criteria(study: dict[str, Any], criteria: str) -> dict[str, Any]:
    study = copy.deepcopy(study)
    study["protocolSection"].setdefault("eligibilityModule", {})["eligibilityCriteria"] = criteria
    return study


def study_to_change(studies: list[dict[str, Any]]) -> dict[str, Any]:
    """A real study with several sites, made recruiting and given `OLD_CRITERIA`, so
    `sponsor_update` has a site to drop, a status to move and a threshold to change."""
    study = with_criteria(next(
        s for s in studies
        if len(s["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])) >= 2
    ), OLD_CRITERIA)
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    return study


def sponsor_update(study: dict[str, Any]) -> dict[str, Any]:
    """The registry's next version of a study with `OLD_CRITERIA`: platelets 100 → 50, the last
    site dropped, the status moved on, and a new last-update date."""
    new = with_criteria(study, OLD_CRITERIA.replace("≥ 100", "≥ 50"))
    protocol = new["protocolSection"]
    protocol["contactsLocationsModule"]["locations"].pop()
    protocol["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    protocol["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2099-01-31"
    return new


@functools.cache
def gzip_bomb(size: int) -> bytes:
    """A gzip file of a JSON page padded with ``size`` spaces, compressed a megabyte at a time so
    the server itself never holds the inflated bytes."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as bomb:
        bomb.write(b'{"studies": [')
        block = b" " * (1024 * 1024)
        for start in range(0, size, len(block)):
            bomb.write(block[: size - start])
        bomb.write(b"]}")
    return out.getvalue()


@dataclass
class Fault:
    """What the server does instead of answering normally, once."""

    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    """Seconds to wait before answering; with ``status=200`` it is just a slow answer."""
    truncate: bool = False
    """Send the real page's headers and half its body, then close: a connection dropped mid-body."""
    body: bytes | None = None
    """Send these bytes with ``status`` instead of the page: e.g. JSON cut short, or a refusal."""
    trickle: float = 0.0
    """Send the real page one byte every ``trickle`` seconds: never a read timeout, never done."""
    location: str | None = None
    """Answer ``status`` (a 3xx) with this ``Location``: a redirect, to this server or another."""
    gzip_bomb: int = 0
    """Send a ``Content-Encoding: gzip`` body that inflates to this many bytes."""


@dataclass(frozen=True)
class Request:
    path: str
    params: dict[str, str]
    status: int
    page: int | None


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (a cancelled or timed-out fetch does, on purpose) is part
    of the test: its error is kept, not printed, since a handler thread still trickling bytes may
    outlive its test and would write into a later test's captured stderr."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handler_errors: list[BaseException] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.handler_errors.append(sys.exc_info()[1])


class FakeCtgov:
    """Run as ``with FakeCtgov(studies) as api: ... api.base_url ...``."""

    def __init__(self, studies: list[dict[str, Any]], *, max_page_size: int = 1000) -> None:
        self.studies = {nct_id_of(s): copy.deepcopy(s) for s in studies}
        self.max_page_size = max_page_size
        self.requests: list[Request] = []
        self.received = 0
        """Requests that arrived, answered or not (`requests` logs them as they are answered)."""
        self._next_faults: deque[Fault] = deque()
        self._page_faults: dict[int, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._token_epoch = 0
        self.repeat_tokens = False
        """Hand back the page token a page was asked with: page 2 again and again, forever."""
        self.endless = False
        """A fresh ``nextPageToken`` on every page, wrapping round the studies, forever."""
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v2"

    def __enter__(self) -> FakeCtgov:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *faults: Fault) -> None:
        """The next requests, whatever they ask for, get these faults in order."""
        with self._lock:
            self._next_faults.extend(faults)

    def fail_page(self, page: int, *faults: Fault) -> None:
        """Requests for page ``page`` (1-based) of any search get these faults in order."""
        with self._lock:
            self._page_faults.setdefault(page, deque()).extend(faults)

    def put_study(self, study: dict[str, Any]) -> None:
        """Add or replace a study, as the registry does when a sponsor posts an update."""
        with self._lock:
            self.studies[nct_id_of(study)] = copy.deepcopy(study)

    def expire_page_tokens(self) -> None:
        """Refuse every page token handed out so far, as the real API does once they go stale."""
        self._token_epoch += 1

    def wait_received(self, count: int, timeout: float = 30.0) -> None:
        """Block until `count` requests have arrived, answered or not; fail saying how many did."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self.received >= count, timeout):
                raise AssertionError(f"the fake registry got {self.received} requests in {timeout:.0f} s, "
                                     f"not {count}")

    def count(self, path_prefix: str = "/api/v2/studies") -> int:
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def _take_fault(self, page: int | None) -> Fault | None:
        with self._lock:
            if self._next_faults:
                return self._next_faults.popleft()
            queue = self._page_faults.get(page) if page is not None else None
            return queue.popleft() if queue else None

    def _matching(self, params: dict[str, str]) -> list[dict[str, Any]]:
        with self._lock:
            studies = list(self.studies.values())
        if ids := params.get("filter.ids"):
            wanted = set(ids.split(","))
            studies = [s for s in studies if nct_id_of(s) in wanted]
        if statuses := params.get("filter.overallStatus"):
            wanted = set(statuses.split(","))
            studies = [s for s in studies
                       if s["protocolSection"]["statusModule"].get("overallStatus") in wanted]
        module_of = {
            "query.cond": "conditionsModule", "query.intr": "armsInterventionsModule",
            "query.locn": "contactsLocationsModule", "query.spons": "sponsorCollaboratorsModule",
        }
        for name, value in params.items():
            if name == "query.term":
                studies = [s for s in studies if value.lower() in json.dumps(s).lower()]
            elif name in module_of:
                studies = [s for s in studies if value.lower() in
                           json.dumps(s["protocolSection"].get(module_of[name], {})).lower()]
        return studies

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: test output is for test failures."""

            def do_GET(self) -> None:
                with api._lock:
                    api.received += 1
                    api._arrived.notify_all()
                url = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                if url.path == "/api/v2/studies":
                    self._studies(url.path, params)
                elif url.path.startswith("/api/v2/studies/"):
                    self._one_study(url.path, params)
                else:
                    self._send(url.path, params, None, 404, b"Not Found", "text/plain")

            def _studies(self, path: str, params: dict[str, str]) -> None:
                size = min(int(params.get("pageSize", "10")), api.max_page_size)
                fingerprint = json.dumps([api._token_epoch, {
                    k: v for k, v in sorted(params.items()) if k not in ("pageToken", "countTotal")
                }])
                offset = 0
                if token := params.get("pageToken"):
                    try:
                        state = json.loads(base64.urlsafe_b64decode(token.encode()))
                        offset = state["offset"]
                        assert state["query"] == fingerprint
                    except (ValueError, KeyError, AssertionError):
                        self._send(path, params, None, 400, b"Invalid pageToken", "text/plain")
                        return
                page = offset // size + 1
                if self._fault(path, params, page):
                    return
                studies = api._matching(params)
                body: dict[str, Any] = {"studies": studies[offset:offset + size]}
                if api.repeat_tokens and token:
                    body["nextPageToken"] = token
                elif api.endless or offset + size < len(studies):
                    next_offset = (offset + size) % max(len(studies), 1)
                    state = {"offset": next_offset, "query": fingerprint, "n": len(api.requests)}
                    body["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
                if params.get("countTotal") == "true":
                    body["totalCount"] = len(studies)
                self._send(path, params, page, 200, json.dumps(body).encode())

            def _one_study(self, path: str, params: dict[str, str]) -> None:
                if self._fault(path, params, None):
                    return
                study = api.studies.get(path.rsplit("/", 1)[1])
                if study is None:
                    self._send(path, params, None, 404, b"Not Found", "text/plain")
                else:
                    self._send(path, params, None, 200, json.dumps(study).encode())

            def _fault(self, path: str, params: dict[str, str], page: int | None) -> bool:
                fault = api._take_fault(page)
                if fault is None:
                    return False
                time.sleep(fault.delay)
                if fault.trickle:
                    self._trickle(path, params, page, fault.trickle)
                    return True
                if fault.gzip_bomb:
                    self._gzip_bomb(path, params, page, fault.gzip_bomb)
                    return True
                if fault.location is not None:
                    self._send(path, params, page, fault.status, b"moved", "text/plain",
                               {"Location": fault.location})
                    return True
                if fault.status == 200 and fault.body is None and not fault.truncate:
                    return False
                if fault.truncate:
                    studies = api._matching(params)[:50]
                    body = json.dumps({"studies": studies}).encode()
                    self._log(path, params, page, 200)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return True
                if fault.body is not None:
                    self._send(path, params, page, fault.status, fault.body)
                    return True
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                self._send(path, params, page, fault.status, b"try later", "text/plain", headers)
                return True

            def _trickle(self, path: str, params: dict[str, str], page: int | None, every: float) -> None:
                body = json.dumps({"studies": api._matching(params)[:5]}).encode()
                self._log(path, params, page, 200)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.close_connection = True
                try:
                    for position in range(len(body)):
                        self.wfile.write(body[position:position + 1])
                        self.wfile.flush()
                        time.sleep(every)
                except OSError:
                    pass  # the client gave up on it, as it should

            def _gzip_bomb(self, path: str, params: dict[str, str], page: int | None, size: int) -> None:
                body = gzip_bomb(size)
                self._log(path, params, page, 200)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the client stopped reading past its cap

            def _log(self, path: str, params: dict[str, str], page: int | None, status: int) -> None:
                with api._lock:
                    api.requests.append(Request(path, params, status, page))

            def _send(
                self, path: str, params: dict[str, str], page: int | None, status: int, body: bytes,
                content_type: str = "application/json", headers: dict[str, str] | None = None,
            ) -> None:
                self._log(path, params, page, status)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler
