"""Dynamic batching: checks that arrive together, from any connections of one process, share one forward pass.

One model thread per process runs the model. A request thread queues its texts and waits; when
the model is free, the model thread takes everything queued (up to `max_size` texts) as one call
and hands each request its own verdicts. It never waits while the queue is empty, so a single
client on an idle server pays only the hand-over to that thread (microseconds); texts wait only
while the model is busy, which is when batching pays. Under load (the previous batch held more
than one request) it may also wait up to `max_wait` seconds for more requests to fill the batch.

Why a thread of its own rather than whichever request thread finds the model free: every thread
that runs a batch grows its own malloc arena to the batch's size, and with 32 to 64 request
threads that alone took a web process from 1.0 to 1.8-2.2 GiB (benchmarks/api_load.py).

A long call (an explanation: tens of passes) may let the requests queued meanwhile into the model
between its passes (`serve_between`). Background work (a version in shadow judging checks already
answered, webapp/checker/shadow.py) runs only when no check is queued, one request per call, so a check
waits at most for one such call. A call serves one model only: requests for a model other
than the first queued one (during a switch of the active version) wait for the next batch. An
exception in the call fails that batch's requests, each with it, and no others.
"""

import threading
import time
from collections import deque


class Request:
    """One caller's texts; `done` is set when its result or error is in (each caller waits on its own,
    so that a finished batch wakes its own senders only, not every thread waiting)."""

    __slots__ = ("key", "texts", "result", "error", "done")

    def __init__(self, key, texts):
        self.key, self.texts = key, texts
        self.result = self.error = None
        self.done = threading.Event()


class Batcher:
    """`run(key, texts, max_size, max_wait)` returns `call(key, batch)`'s results for `texts`, from a
    batch that the model thread ran with whatever else was queued.

    `call(key, texts)` returns one result per text, in order; the batcher splits them back out.
    """

    def __init__(self, call):
        self._call = call
        self._queue = deque()
        self._background = deque()  # run only while _queue is empty
        self._changed = threading.Condition()
        self._thread = None
        self._max_size, self._max_wait = 32, 0.0  # the latest request's bounds (settings may change in tests)
        self._loaded = False  # the previous batch held more than one request: waiting may fill the next
        self.batches = self.requests = 0  # counters for tests and the benchmark

    @property
    def thread(self):
        """The model thread (None before the first request)."""
        return self._thread

    def run(self, key, texts, max_size, max_wait=0.0, background=False):
        """`background`: run when no other request is queued, in a call of its own (the caller keeps it
        to a batch's size), after any background requests queued before it."""
        request = Request(key, list(texts))
        with self._changed:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="checker-model", daemon=True)
                self._thread.start()
            if background:
                self._background.append(request)
            else:
                self._max_size, self._max_wait = max_size, max_wait
                self._queue.append(request)
            self._changed.notify()  # the model thread, the only one waiting on it
        request.done.wait()
        if request.error is not None:
            raise request.error
        return request.result

    def _loop(self):
        while True:
            with self._changed:
                while not self._queue and not self._background:
                    self._changed.wait()
                if self._queue:
                    batch = self._take(self._max_size, self._max_wait)
                else:
                    batch = [self._background.popleft()]
            self._serve(batch)

    def _take(self, max_size, max_wait):
        """The batch to run now, under the lock: queued requests for the first one's model, FIFO."""
        deadline = time.monotonic() + max_wait
        while True:
            batch, size = [], 0
            for request in self._queue:
                if request.key != self._queue[0].key:
                    continue
                if batch and size + len(request.texts) > max_size:
                    break
                batch.append(request)
                size += len(request.texts)
            if size >= max_size or not self._loaded or max_wait <= 0:
                break
            left = deadline - time.monotonic()
            if left <= 0 or not self._changed.wait(left):
                break
        for request in batch:
            self._queue.remove(request)
        self._loaded = len(batch) > 1
        return batch

    def serve_between(self, accept):
        """Called on the model thread by a long call between its passes (an explanation): serve at once
        the requests queued meanwhile whose key `accept(key)` takes, in batches, so that they wait for
        one pass rather than the whole call. Only those queued now: the ones that arrive while they are
        served wait for the next pass, so that a steady stream cannot starve the long call."""
        with self._changed:
            waiting = [request for request in self._queue if accept(request.key)]
        while waiting:
            batch, size = [], 0
            for request in waiting:
                if request.key != waiting[0].key:
                    continue
                if batch and size + len(request.texts) > self._max_size:
                    break
                batch.append(request)
                size += len(request.texts)
            with self._changed:
                for request in batch:
                    self._queue.remove(request)
            waiting = [request for request in waiting if request not in batch]
            self._serve(batch)

    def _serve(self, batch):
        texts = [text for request in batch for text in request.texts]
        try:
            results = self._call(batch[0].key, texts)
        except BaseException as exc:  # the model thread must live on: the batch's requests get the error
            for request in batch:
                request.error = exc
        else:
            start = 0
            for request in batch:
                request.result = results[start : start + len(request.texts)]
                start += len(request.texts)
        self.batches += 1
        self.requests += len(batch)
        for request in batch:
            request.done.set()
