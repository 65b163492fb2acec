"""CSV export of the filtered rows: content, formula neutralisation, and streaming (test client, daphne)."""

import asyncio
import csv
import io
import warnings

import pytest
from django.conf import settings

from webapp.checker import flags
from webapp.checker.models import Prediction
from webapp.review import actions, export


def read_csv(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_the_filtered_rows_in_the_pages_order_with_reviews(
    staff_client, staff, make_prediction, versions
):
    low = make_prediction("polite comment", label="non-toxic", probability=0.05)
    high = make_prediction("rude comment", label="toxic", probability=0.97, version=versions[1], source="page")
    make_prediction("another rude one", label="toxic", probability=0.6)
    actions.review([high.pk], staff, "non-toxic")
    flags.flag(flags.token_for(high), high.pk)

    response = staff_client.get("/dashboard/predictions/export.csv", {"q": "comment", "sort": "most-toxic"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="predictions-')
    rows = read_csv(response)
    assert [int(r["id"]) for r in rows] == [high.pk, low.pk]
    assert rows[0] == {
        **rows[0],
        "text": "rude comment",
        "model_label": "toxic",
        "toxic_probability": "0.970000",
        "model": "odd-v2",
        "source": "page",
        "reviewed_label": "non-toxic",
        "final_label": "non-toxic",
        "reviewed_by": "ada",
        "flag_count": "1",
        "first_flagged_at": Prediction.objects.get(pk=high.pk).first_flagged_at.isoformat(),
    }
    assert (rows[1]["reviewed_label"], rows[1]["final_label"], rows[1]["reviewed_by"]) == ("", "non-toxic", "")
    assert (rows[1]["flag_count"], rows[1]["first_flagged_at"]) == ("0", "")


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(staff_client, make_prediction, text):
    make_prediction(text)
    (row,) = read_csv(staff_client.get("/dashboard/predictions/export.csv"))
    assert row["text"] == "'" + text


def test_ordinary_cells_are_left_as_they_are():
    assert [export.neutralise(v) for v in ["fine", "a=b", " =x", 0.5, None]] == ["fine", "a=b", " =x", "0.5", ""]


def test_the_export_is_produced_as_the_rows_are_read_not_all_at_once(staff_client, make_prediction, monkeypatch):
    for n in range(25):
        make_prediction(f"comment {n}")
    monkeypatch.setattr(export, "CHUNK_ROWS", 10)
    response = staff_client.get("/dashboard/predictions/export.csv")
    content = response.streaming_content
    assert not isinstance(content, (list, bytes)), "a generator, consumed as the server sends"
    first = next(iter(content))
    assert first.startswith(b"id,created,text,")
    assert len(b"".join(content).splitlines()) + len(first.splitlines()) == 26


def export_rows(versions, count):
    Prediction.objects.bulk_create(
        Prediction(
            text=f"comment {n}", label="non-toxic", toxic_probability=0.1, model_version=versions[0], source="api"
        )
        for n in range(count)
    )


def staff_cookie(client, staff):
    client.force_login(staff)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
def test_under_daphne_the_export_is_sent_in_chunks_as_the_rows_are_read(pooled_handler, client, staff, versions):
    export_rows(versions, 450)  # three chunks of up to 200 lines, the header included
    cookie = staff_cookie(client, staff)

    async def fetch():
        communicator = pooled_handler.request("/dashboard/predictions/export.csv", cookie)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(10)
        bodies = [await communicator.receive_output(10)]
        while bodies[-1].get("more_body"):
            bodies.append(await communicator.receive_output(10))
        return start, bodies

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django warns when it must read a streamed body into a list first
        start, bodies = asyncio.run(fetch())

    assert start["status"] == 200
    chunks = [b.get("body", b"") for b in bodies]
    assert [len(chunk.splitlines()) for chunk in chunks] == [200, 200, 51, 0]
    assert chunks[0].startswith(b"id,created,text,")


@pytest.mark.django_db(transaction=True)
def test_a_client_that_disconnects_stops_the_export(pooled_handler, client, staff, versions):
    export_rows(versions, 10_000)  # 51 chunks
    cookie = staff_cookie(client, staff)

    async def fetch_one_chunk_then_leave():
        communicator = pooled_handler.request("/dashboard/predictions/export.csv", cookie)
        await communicator.send_input({"type": "http.request", "body": b""})
        await communicator.receive_output(10)  # the response's start
        first = await communicator.receive_output(10)
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(10)
        sent = [first]
        while not communicator.output_queue.empty():
            sent.append(await communicator.receive_output(1))
        return sent

    sent = asyncio.run(fetch_one_chunk_then_leave())

    assert sent[0]["more_body"] and len(sent) < 10
    assert all(message.get("more_body") for message in sent), "a stopped export never claims to be complete"


def test_bad_filters_are_a_json_400(staff_client, db):
    response = staff_client.get("/dashboard/predictions/export.csv", {"min_probability": "2"})
    assert response.status_code == 400
    assert response.json() == {"error": "min_probability: Ensure this value is less than or equal to 1."}
