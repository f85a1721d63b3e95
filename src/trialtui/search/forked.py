"""Running part of a build on the second core, in a forked child process.

Tokenising a registry-size library is Python work that holds the GIL, so threads cannot share
it; a forked child sees the parent's trials without copying them and hands back only arrays and
its terms (pickled through a pipe, and read by a thread while the parent still works).
Where fork is missing (Windows) or the child fails, the work runs in the calling process
instead: the result is the same, only slower. The two processes split a list of tasks between
them as they go (`Claims`), so that both finish at about the same time whatever the machine and
the data.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Generic, TypeVar

T = TypeVar("T")
_PIPE_BYTES = 1 << 20
"""A pipe's buffer as large as Linux lets a process make it (``/proc/sys/fs/pipe-max-size``)."""
_DONE = "done"
"""Leads the child's pickle: what the parent reads was written whole."""

_TERMINAL_SIGNALS = {signal.SIGINT, signal.SIGWINCH, signal.SIGTSTP} if hasattr(signal, "SIGWINCH") else set()
"""Signals the terminal sends to the app's whole process group: the app's handlers, copied into
the child by fork, must not run there."""


def can_fork() -> bool:
    """Whether work can go to a forked child here (Linux with a second core)."""
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1


class Forked(Generic[T]):
    """`work` started in a child process at once; `result` waits for it.

    The caller goes on with its own share meanwhile, then calls `result` (which reaps the
    child); used as a context manager, a child whose result is not asked for is stopped. A
    thread reads the result as the child writes it, so that the child hands it over while the
    caller is still busy (hundreds of megabytes: more than a second through a pipe here). The
    child only computes and writes to its pipe: no output, no files, no garbage collection
    (collecting would touch, and so copy, every page of the parent's objects). Only the forking
    thread lives on in the child, so `work` must take no lock another thread might hold at the
    fork (the library's digests hold theirs over a fork: `store.library._hold_tails`).
    """

    def __init__(self, work: Callable[[], T]):
        self._work = work
        self._pid = 0
        self._chunks: list[bytes] = []
        self._reader: threading.Thread | None = None
        if not can_fork():
            return
        import fcntl  # POSIX only, as fork is

        read, write = os.pipe()
        with suppress(OSError, AttributeError):  # fewer, larger reads for the reading thread
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child
            os.close(read)
            self._run_child(write)
        os.close(write)
        self._pid = pid
        self._reader = threading.Thread(target=self._drain, args=(read,), name="forked-result", daemon=True)
        self._reader.start()

    def _drain(self, pipe: int) -> None:
        """Keep what the child writes until it closes its end (it exits, or is stopped)."""
        with os.fdopen(pipe, "rb", buffering=0) as source:
            while chunk := source.read(_PIPE_BYTES):
                self._chunks.append(chunk)

    def _run_child(self, pipe: int) -> None:
        status = 1
        try:
            gc.disable()
            if _TERMINAL_SIGNALS:
                signal.pthread_sigmask(signal.SIG_BLOCK, _TERMINAL_SIGNALS)
            with os.fdopen(pipe, "wb") as out:
                pickle.dump((_DONE, self._work()), out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # never return into the parent's code, never run its exit handlers

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc_info) -> None:
        """Stop and reap a child whose result was never asked for: the caller failed meanwhile,
        and the child would otherwise wait for ever to hand over its result."""
        if self._pid:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._reader.join()
            self._pid, self._chunks = 0, []

    def result(self) -> T:
        """The child's result; `work` run here if there was no child or it failed."""
        if not self._pid:
            return self._work()
        self._reader.join()
        try:
            done, value = pickle.loads(b"".join(self._chunks))
        except Exception:  # the child died part way: its pipe ended early
            done, value = None, None
        _, status = os.waitpid(self._pid, 0)
        self._pid, self._chunks = 0, []
        if done != _DONE or status != 0:
            return self._work()
        return value


class Claims(Generic[T]):
    """Tasks handed out one at a time to whichever process asks first, parent or forked child:
    each is a byte in a pipe both hold, and a one-byte read from a pipe is atomic. Made before
    the fork; iterating claims the next task until none is left; leaving the ``with`` block
    closes this process's end."""

    def __init__(self, tasks: Sequence[T]):
        if len(tasks) > 256:
            raise ValueError("at most 256 tasks")
        self._tasks = tasks
        read, write = os.pipe()
        os.write(write, bytes(range(len(tasks))))  # far below a pipe's buffer: never blocks
        os.close(write)
        self._pipe = read

    def __iter__(self) -> Iterator[T]:
        while token := os.read(self._pipe, 1):
            yield self._tasks[token[0]]

    def __enter__(self) -> Claims[T]:
        return self

    def __exit__(self, *exc_info) -> None:
        os.close(self._pipe)
