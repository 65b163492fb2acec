"""Dynamic batching: checks that arrive together, from any connections of one process, share one forward pass.

No extra thread. A request thread queues its texts; when the model is free, the thread that finds
it free becomes the runner: it takes everything queued (up to `max_size` texts), runs it as one
call, hands each request its own verdicts and wakes the others; a request that another thread's
batch answered returns at once, and one still queued becomes the next runner. A single client on
an idle server therefore runs its own text straight away, in its own thread, as without batching;
texts only wait while the model is busy, which is when batching pays. Under load (the previous
batch held more than one request) the runner may also wait up to `max_wait` seconds for more
requests to fill the batch.

The runner's call serves one model only: requests for a model other than the first queued one
(during a switch of the active version) wait for the next batch. An exception in the call fails
that batch's requests, each with it, and no others.
"""

import threading
import time
from collections import deque


class Request:
    __slots__ = ("key", "texts", "result", "error", "done")

    def __init__(self, key, texts):
        self.key, self.texts = key, texts
        self.result = self.error = None
        self.done = False


class Batcher:
    """`run(request, max_size, max_wait)` calls `call(key, texts)` once for a batch that includes it.

    `call(key, texts)` returns one result per text, in order; the batcher splits them back out.
    """

    def __init__(self, call):
        self._call = call
        self._queue = deque()
        self._changed = threading.Condition()
        self._busy = False
        self._loaded = False  # the previous batch held more than one request: waiting may fill the next
        self.batches = self.requests = 0  # counters for tests and the benchmark

    def run(self, key, texts, max_size, max_wait=0.0):
        request = Request(key, list(texts))
        with self._changed:
            self._queue.append(request)
            self._changed.notify_all()  # a runner waiting up to max_wait for more may take it
        while True:
            with self._changed:
                while self._busy and not request.done:
                    self._changed.wait()
                if request.done:
                    break
                self._busy = True
                batch = self._take(max_size, max_wait)
            try:
                self._serve(batch)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
        if request.error is not None:
            raise request.error
        return request.result

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

    def _serve(self, batch):
        texts = [text for request in batch for text in request.texts]
        try:
            results = self._call(batch[0].key, texts)
        except Exception as exc:
            for request in batch:
                request.error = exc
        else:
            start = 0
            for request in batch:
                request.result = results[start:start + len(request.texts)]
                start += len(request.texts)
        self.batches += 1
        self.requests += len(batch)
        for request in batch:
            request.done = True
