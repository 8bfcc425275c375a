"""Time budgets for parsing one file, so that no single input can stall a run.

Two mechanisms, because the parsers differ in where they spend their time:

- ``deadline``: Python code (the ``ast`` facts collector, the layer scan) is
  stopped by an exception raised into the thread that runs it: by a timer signal
  in the main thread, by one watchdog thread per process in any other (the
  language server parses in a worker thread). Either costs microseconds per
  file. It cannot stop a long call into C, which sees the exception only when it
  returns: CPython's own parser bounds itself (200 brackets, 100 indents, a stack
  limit).
- ``in_child`` / ``each_in_child``: native code that may run for minutes or crash
  runs in a forked child that is killed at the deadline. libcst's parser is
  quadratic in the nesting depth of one expression and overflows its stack
  beyond a few thousand levels; libclang preprocesses a macro that doubles its
  expansion in exponential time, and crashes on a macro-made expression too long
  for its stack (which ``cpp/guard.py`` cannot see in the text). A fork and its
  answer cost a few milliseconds (6.5 ms measured on a loaded machine); where there
  is no fork the call runs here, unbounded.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import select
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class OverBudget(BaseException):
    """The work ran past its time budget and was stopped. Not an ``Exception``, like
    ``KeyboardInterrupt``: an extractor's ``except Exception`` (one bad file must not
    stop the run) must not turn it into a parse error that would be cached."""


class ChildDied(Exception):
    """The child running the work died without an answer (a crash in native code)."""


class Cancelled(BaseException):
    """The caller no longer wants the answer (see ``cancellable``); the child was killed.
    Not an ``Exception``, so no ``except Exception`` on the way turns it into a result."""


_local = threading.local()
_POLL = 0.002  # seconds between two looks at ``cancellable``'s question while waiting


@contextmanager
def cancellable(stale: Callable[[], bool]) -> Iterator[None]:
    """Within it, in this thread, ``in_child`` asks ``stale()`` every few milliseconds
    while it waits for its child; when the answer is yes it kills the child and raises
    ``Cancelled``. (The language server's edits computed ahead stop at the next keystroke
    this way instead of holding the worker for a whole fix.)"""
    previous = getattr(_local, "stale", None)
    _local.stale = stale
    try:
        yield
    finally:
        _local.stale = previous


class _Watchdog:
    """Raises ``OverBudget`` in a thread whose deadline passed, at its next bytecode.

    Deadlines are set far more often than they expire, so setting one wakes the
    watchdog only when it is sooner than the one it sleeps until: with one budget
    length it wakes about once per budget. Its thread ends when nothing has been
    armed for ``IDLE`` seconds, so a process is left without it between batches
    (a fork from a process with threads can deadlock; 3.12+ warns of it).
    """

    IDLE = 0.05

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.armed: dict[int, float] = {}  # thread id → monotonic deadline
        self.fired: set[int] = set()
        self.next_wake = float("inf")
        self.wake = threading.Event()
        self.running = False

    def arm(self, seconds: float) -> None:
        ident, due = threading.get_ident(), time.monotonic() + seconds
        with self.lock:
            self.armed[ident] = due
            self.fired.discard(ident)
            if not self.running:
                self.running, self.next_wake = True, due
                self.wake.clear()
                threading.Thread(target=self._run, name="tvusage-budget", daemon=True).start()
            elif due < self.next_wake:
                self.next_wake = due
                self.wake.set()

    def disarm(self) -> None:
        ident = threading.get_ident()
        with self.lock:
            self.armed.pop(ident, None)
            if ident in self.fired:  # fired but not raised yet: it must not escape later
                self.fired.discard(ident)
                _raise_in(ident, None)

    def _run(self) -> None:
        idle = False
        while True:
            with self.lock:
                now = time.monotonic()
                for ident in [i for i, due in self.armed.items() if due <= now]:
                    del self.armed[ident]
                    self.fired.add(ident)
                    _raise_in(ident, OverBudget)
                soonest = min(self.armed.values(), default=None)
                if soonest is None and idle:
                    self.running = False
                    return
                self.next_wake = float("inf") if soonest is None else soonest
                self.wake.clear()
            woke = self.wake.wait(self.IDLE if soonest is None else max(soonest - now, 0.01))
            idle = soonest is None and not woke


def _raise_in(ident: int, exc: type[BaseException] | None) -> None:
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(ident), ctypes.py_object(exc) if exc is not None else None
    )


_watchdog: _Watchdog | None = None
_watchdog_lock = threading.Lock()


def _forget_in_child() -> None:
    """A fork has only the forking thread: no watchdog, and a lock nobody holds."""
    global _watchdog, _watchdog_lock
    _watchdog, _watchdog_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def _the_watchdog() -> _Watchdog:
    global _watchdog
    with _watchdog_lock:
        if _watchdog is None:
            _watchdog = _Watchdog()
        return _watchdog


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``OverBudget`` in the body once it has run ``seconds``.

    In the main thread, with SIGALRM free, by a timer signal: the process stays
    without threads, which is what makes the forks of ``parallel.py`` safe. In any
    other thread, by the watchdog thread."""
    if _alarm_free():
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)  # first: no alarm after the handler goes
            signal.signal(signal.SIGALRM, previous)
        return
    watchdog = _the_watchdog()
    watchdog.arm(seconds)
    try:
        yield
    finally:
        watchdog.disarm()


def _alarm_free() -> bool:
    """Main thread, a timer signal, no handler of anyone else's and no timer running."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return False
    handler = signal.getsignal(signal.SIGALRM)
    return handler in (signal.SIG_DFL, signal.SIG_IGN, None) and not any(
        signal.getitimer(signal.ITIMER_REAL)
    )


def _alarm(signum: int, frame: object) -> None:
    raise OverBudget


def in_child(seconds: float, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a forked child, its result sent back pickled.

    Raises ``OverBudget`` when the child runs past ``seconds`` (it is killed),
    ``ChildDied`` when it dies without an answer, and the child's own exception when
    ``function`` raises. ``function`` and its arguments are inherited by the fork, so
    only the result is pickled."""
    if not hasattr(os, "fork"):
        return function(*args)
    stale = getattr(_local, "stale", None)
    [(ok, value)] = _stream(seconds, lambda: [function(*args)], 1, stale)
    if not ok:
        raise value
    return value


def each_in_child(
    seconds: float, function: Callable[[Any], T], items: Sequence[Any]
) -> list[T | OverBudget | ChildDied]:
    """``function(item)`` for each item, in a forked child, each under ``seconds``.

    An item over its budget or whose child dies gets ``OverBudget`` / ``ChildDied`` in
    place of its result, and a new child takes the items after it: one fork per batch,
    one more per failure. (``function`` must not raise.)"""
    if not hasattr(os, "fork"):
        return [function(item) for item in items]
    out: list[T | OverBudget | ChildDied] = []
    while len(out) < len(items):
        rest = items[len(out) :]
        answers = _stream(seconds, lambda rest=rest: map(function, rest), len(rest))
        out.extend(value for _, value in answers)
    return out


def _stream(
    seconds: float,
    produce: Callable[[], Iterable[Any]],
    count: int,
    stale: Callable[[], bool] | None = None,
) -> list[Any]:
    """Run ``produce()`` in a child that sends each value as it comes; (ok, value) pairs
    up to the first failure, which is the last pair: (False, the exception). With
    ``stale``, the wait raises ``Cancelled`` as soon as it says so."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns of fork in a threaded process: the
        warnings.simplefilter("ignore", DeprecationWarning)  # child only computes
        pid = os.fork()
    if pid == 0:  # the child: answer, then leave without running any exit handler
        os.close(read_end)
        faulthandler.disable()  # a crash is the parent's to report, in one line
        code = 0
        try:
            try:
                for value in produce():
                    _send(write_end, pickle.dumps((True, value)))
            except BaseException as exc:  # noqa: BLE001 - sent to the parent to re-raise
                try:
                    answer = pickle.dumps((False, exc))
                except Exception:
                    answer = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
                _send(write_end, answer)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    answers: list[Any] = []
    reader = _Reader(read_end, stale)
    try:
        while len(answers) < count:
            data = reader.message(time.monotonic() + seconds)
            if data is None:
                answers.append((False, ChildDied()))
                break
            answers.append(pickle.loads(data))
            if not answers[-1][0]:
                break
    except OverBudget as exc:
        os.kill(pid, signal.SIGKILL)
        answers.append((False, exc))
    except BaseException:  # interrupted (Ctrl-C), cancelled: the child must not outlive us
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    return answers


def _send(fd: int, data: bytes) -> None:
    view = memoryview(len(data).to_bytes(8, "little") + data)
    while view:
        view = view[os.write(fd, view) :]


class _Reader:
    """Length-prefixed messages from a pipe, each awaited until a deadline."""

    def __init__(self, fd: int, stale: Callable[[], bool] | None = None) -> None:
        self.fd = fd
        self.buffer = b""
        self.stale = stale

    def message(self, due: float) -> bytes | None:
        """The next message; None at end of file (the child is gone)."""
        if not self._fill(8, due):
            return None
        size = int.from_bytes(self.buffer[:8], "little")
        if not self._fill(8 + size, due):
            return None
        data, self.buffer = self.buffer[8 : 8 + size], self.buffer[8 + size :]
        return data

    def _fill(self, size: int, due: float) -> bool:
        while len(self.buffer) < size:
            left = due - time.monotonic()
            if left <= 0:
                raise OverBudget
            wait = left if self.stale is None else min(left, _POLL)
            if not select.select([self.fd], [], [], wait)[0]:
                if self.stale is not None and self.stale():
                    raise Cancelled
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return False
            self.buffer += chunk
        return True
