"""Dynamic batching of checks: gathered into one model call, split back in order, failures kept to their batch."""

import threading

import pytest
from django.db import connection
from services import wait_until

from webapp.checker import classify
from webapp.checker.batching import Batcher
from webapp.checker.loaded import LoadedVersion

DEADLINE_S = 60  # generous: the machine may be loaded; nothing here is timed (wait_until waits as long)


class GatedModel:
    """A fake model call that holds its first call until `release`, so that others queue meanwhile."""

    def __init__(self, fail_on=None):
        self.calls, self.threads = [], []
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, key, texts):
        self.calls.append(list(texts))
        self.threads.append(threading.current_thread().name)
        if len(self.calls) == 1:
            assert self.release.wait(DEADLINE_S)
        if self.fail_on in texts:
            raise RuntimeError("this batch fails")
        return [f"{key}:{text}" for text in texts]


def run_in_threads(batcher, jobs, max_size=32):
    """Start one thread per (key, texts); returns {texts tuple: result or exception} once all end."""
    results, threads = {}, []

    def one(key, texts):
        try:
            results[tuple(texts)] = batcher.run(key, texts, max_size)
        except Exception as exc:
            results[tuple(texts)] = exc

    for key, texts in jobs:
        threads.append(threading.Thread(target=one, args=(key, texts)))
        threads[-1].start()
    return threads, results


def test_a_check_on_an_idle_batcher_runs_at_once_in_the_model_thread():
    calls = []
    batcher = Batcher(lambda key, texts: calls.append(threading.current_thread().name) or [t.upper() for t in texts])

    assert batcher.run("m", ["a", "b"], max_size=32) == ["A", "B"]
    assert batcher.run("m", ["c"], max_size=32) == ["C"]
    assert calls == ["checker-model", "checker-model"]  # one thread runs the model: one malloc arena grows


def test_checks_that_arrive_while_the_model_is_busy_share_its_next_call_and_get_their_own_results():
    model = GatedModel()
    batcher = Batcher(model)
    first, results = run_in_threads(batcher, [("m", ["first"])])
    wait_until(lambda: model.calls)
    others, _ = run_in_threads(batcher, [("m", [f"t{i}"]) for i in range(8)] + [("m", ["x", "y"])])
    wait_until(lambda: len(batcher._queue) == 9)
    model.release.set()
    for thread in first + others:
        thread.join(DEADLINE_S)

    assert len(model.calls) == 2
    assert sorted(model.calls[1]) == sorted([f"t{i}" for i in range(8)] + ["x", "y"])
    assert results[("first",)] == ["m:first"]


def test_a_batch_holds_at_most_max_size_texts_and_a_bigger_request_runs_alone():
    model = GatedModel()
    batcher = Batcher(model)
    gate, _ = run_in_threads(batcher, [("m", ["gate"])], max_size=4)
    wait_until(lambda: model.calls)
    threads, results = run_in_threads(
        batcher, [("m", ["a", "b", "c"]), ("m", ["d", "e"]), ("m", list("vwxyz"))], max_size=4
    )
    wait_until(lambda: len(batcher._queue) == 3)
    model.release.set()
    for thread in gate + threads:
        thread.join(DEADLINE_S)

    assert all(len(call) <= 4 or len(call) == 5 and call == list("vwxyz") for call in model.calls)
    assert results[tuple("vwxyz")] == [f"m:{t}" for t in "vwxyz"]
    assert results[("d", "e")] == ["m:d", "m:e"]


def test_requests_for_another_model_wait_for_a_batch_of_their_own():
    model = GatedModel()
    batcher = Batcher(model)
    gate, _ = run_in_threads(batcher, [("old", ["gate"])])
    wait_until(lambda: model.calls)
    threads, results = run_in_threads(batcher, [("old", ["a"]), ("new", ["b"]), ("old", ["c"])])
    wait_until(lambda: len(batcher._queue) == 3)
    model.release.set()
    for thread in gate + threads:
        thread.join(DEADLINE_S)

    assert results == {("a",): ["old:a"], ("b",): ["new:b"], ("c",): ["old:c"]}
    assert len(model.calls) == 3


def test_a_failing_batch_fails_only_its_own_requests_and_the_batcher_keeps_serving():
    model = GatedModel(fail_on="boom")
    batcher = Batcher(model)
    gate, gate_results = run_in_threads(batcher, [("m", ["gate"])])
    wait_until(lambda: model.calls)
    threads, results = run_in_threads(batcher, [("m", ["boom"]), ("m", ["fine"])], max_size=1)
    wait_until(lambda: len(batcher._queue) == 2)
    model.release.set()
    for thread in gate + threads:
        thread.join(DEADLINE_S)

    assert gate_results[("gate",)] == ["m:gate"]
    assert isinstance(results[("boom",)], RuntimeError)
    assert results[("fine",)] == ["m:fine"]
    assert batcher.run("m", ["after"], max_size=32) == ["m:after"]


TEXTS_OF_MANY_LENGTHS = [
    "ok",
    "You are wrong.",
    "thanks for the edit " * 5,
    "a long comment about the article " * 30,
    "Stop it!!!",
    "I disagree with this change because the source does not say that " * 3,
]


def checks_that_queue_behind_a_held_call(texts):
    """Check each of `texts` from a thread of its own while a first check holds the model, so that all
    of them queue; then release it. Returns (the size of every model call, {text: probability})."""
    sizes, answers = [], {}
    real_call = classify.active_model._batcher._call
    held = threading.Event()

    def call(key, batch):
        sizes.append(len(batch))
        if len(sizes) == 1:
            held.wait(DEADLINE_S)  # the first call holds the model until the others have queued
        return real_call(key, batch)

    def check(text):
        try:
            _, [row] = classify.check([text], "api")
            answers[text] = row.toxic_probability
        finally:
            connection.close()  # this thread's own connection, or the test database cannot be dropped

    classify.active_model._batcher._call = call
    try:
        threads = [threading.Thread(target=check, args=(text,)) for text in ["gate", *texts]]
        threads[0].start()
        wait_until(lambda: sizes)
        for thread in threads[1:]:
            thread.start()
        wait_until(lambda: len(classify.active_model._batcher._queue) == len(texts))
        held.set()
        for thread in threads:
            thread.join(DEADLINE_S)
    finally:
        classify.active_model._batcher._call = real_call
    return sizes, answers


@pytest.mark.django_db(transaction=True)
def test_batched_verdicts_equal_unbatched_ones_for_texts_of_very_different_lengths(active_model, settings):
    """Real padding: a 3-token text shares a forward pass with texts padded to the model's length limit."""
    settings.BATCH_MAX_SIZE = 32
    classify.active_model.predict(["load"])
    classifier = classify.active_model._model.classifier
    alone = {text: classifier.predict([text])[0].toxic_probability for text in TEXTS_OF_MANY_LENGTHS}

    sizes, answers = checks_that_queue_behind_a_held_call(TEXTS_OF_MANY_LENGTHS)

    assert sizes == [1, len(TEXTS_OF_MANY_LENGTHS)]
    for text in TEXTS_OF_MANY_LENGTHS:
        assert answers[text] == pytest.approx(alone[text], abs=1e-5)


@pytest.mark.django_db(transaction=True)
def test_a_model_that_runs_one_text_per_pass_serves_queued_checks_in_turn(active_model, settings):
    """An int8 runtime (batch_limit 1): gathering checks would only make each wait for all the others."""
    settings.BATCH_MAX_SIZE = 32
    classify.active_model.predict(["load"])
    classify.active_model._model.classifier.batch_limit = 1
    try:
        sizes, answers = checks_that_queue_behind_a_held_call(TEXTS_OF_MANY_LENGTHS)
    finally:
        classify.active_model._model.classifier.batch_limit = None

    assert sizes == [1] * (1 + len(TEXTS_OF_MANY_LENGTHS))
    assert answers.keys() == {"gate", *TEXTS_OF_MANY_LENGTHS}


def test_a_failed_model_call_answers_500_json_and_the_next_check_is_served(check_api, active_model, monkeypatch):
    classify.active_model.predict(["load"])
    classifier = classify.active_model._model.classifier
    real_predict = classifier.predict_proba

    def predict_proba(texts, **options):
        if "boom" in texts:
            raise RuntimeError("out of memory in the middle of a batch")
        return real_predict(texts, **options)

    monkeypatch.setattr(classifier, "predict_proba", predict_proba)

    failed = check_api({"texts": ["fine", "boom"]})
    assert failed.status_code == 500
    assert failed.json() == {"error": "the model failed on the batch of checks that included this one; retry"}
    assert check_api({"text": "fine"}).status_code == 200


def test_warming_up_loads_and_runs_the_active_model_before_the_first_check(active_model):
    classify.active_model._row = classify.active_model._version = None
    classify.active_model._model = LoadedVersion()  # holding no model, as in a process that just started

    classify.warm_up()

    assert classify.active_model._model.classifier is not None
    assert classify.active_model._version == active_model


def test_warming_up_without_an_active_model_does_not_raise(db):
    classify.warm_up()


def test_checks_queued_during_a_long_call_run_between_its_passes_and_other_long_calls_wait():
    """An explanation (a pass per word) lets the checks queued meanwhile into the model between its
    passes (ActiveModel's on_batch), not another explanation."""
    order = []
    second_pass = threading.Event()

    def call(key, texts):
        order.append((key, list(texts)))
        if key == "explain" and len(order) == 1:
            wait_until(lambda: len(batcher._queue) == 2, what="a check and an explanation queued")
            batcher.serve_between(lambda queued: queued != "explain")  # between the first and second pass
            second_pass.set()
        return [f"{key}:{text}" for text in texts]

    batcher = Batcher(call)
    threads, results = run_in_threads(batcher, [("explain", ["long comment"])])
    wait_until(lambda: order, what="the explanation's first pass")
    more, more_results = run_in_threads(batcher, [("check", ["a check"]), ("explain", ["another"])])
    for thread in threads + more:
        thread.join(DEADLINE_S)

    assert second_pass.is_set()
    assert order == [("explain", ["long comment"]), ("check", ["a check"]), ("explain", ["another"])]
    assert results == {("long comment",): ["explain:long comment"]}
    assert more_results == {("a check",): ["check:a check"], ("another",): ["explain:another"]}


def test_every_check_queued_when_a_pass_ends_runs_before_the_next_even_one_per_batch():
    """With one text per batch (int8), all the checks queued at the end of a pass run before the next
    pass, in batches of one; one arriving meanwhile waits for the pass after."""
    order = []

    def call(key, texts):
        order.append((key, list(texts)))
        if key == "explain":
            wait_until(lambda: len(batcher._queue) == 3, what="three checks queued")
            batcher.serve_between(lambda queued: queued != "explain")
            order.append(("next pass", []))
        elif texts == ["a"]:  # a check that arrives while the queued ones are served
            late.extend(run_in_threads(batcher, [("check", ["late"])], max_size=1)[0])
            wait_until(lambda: any(r.texts == ["late"] for r in batcher._queue), what="the late check queued")
        return [f"{key}:{text}" for text in texts]

    batcher, late = Batcher(call), []
    threads, _ = run_in_threads(batcher, [("explain", ["long comment"])], max_size=1)
    wait_until(lambda: order, what="the explanation's first pass")
    more, results = run_in_threads(batcher, [("check", [text]) for text in "abc"], max_size=1)
    for thread in threads + more:
        thread.join(DEADLINE_S)
    for thread in late:
        thread.join(DEADLINE_S)

    served = [texts for key, texts in order[1 : order.index(("next pass", []))]]
    assert sorted(served) == [["a"], ["b"], ["c"]]  # each alone, all before the next pass
    assert order[-1] == ("check", ["late"]) and results == {(t,): [f"check:{t}"] for t in "abc"}


def test_an_explanation_through_the_model_thread_lets_a_check_in(active_model, settings):
    """The real path: ActiveModel explains on the model thread and calls serve_between between passes."""
    settings.BATCH_MAX_SIZE = 32
    served = []
    original = classify.active_model._batcher.serve_between

    def spy(accept):
        served.append(accept)
        return original(accept)

    classify.active_model._batcher.serve_between = spy
    try:
        version, [explanation] = classify.active_model.explain(["word " * 60])
    finally:
        del classify.active_model._batcher.serve_between
    assert len(explanation.words) == 60 and served
    assert served[0](classify.Explaining(None)) is False and served[0](object()) is True
