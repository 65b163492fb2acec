"""CSV export of the filtered rows: content, formula neutralisation, and streaming (WSGI and ASGI)."""

import csv
import io
import warnings

import pytest
from django.test import AsyncClient

from webapp.checker import export, review


def read_csv(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_the_filtered_rows_in_the_pages_order_with_reviews(staff_client, staff, make_prediction,
                                                                         versions):
    low = make_prediction("polite comment", label="non-toxic", probability=0.05)
    high = make_prediction("rude comment", label="toxic", probability=0.97, version=versions[1], source="page")
    make_prediction("another rude one", label="toxic", probability=0.6)
    review.review([high.pk], staff, "non-toxic")

    response = staff_client.get("/dashboard/predictions/export.csv", {"q": "comment", "sort": "most-toxic"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="predictions-')
    rows = read_csv(response)
    assert [int(r["id"]) for r in rows] == [high.pk, low.pk]
    assert rows[0] == {**rows[0], "text": "rude comment", "model_label": "toxic", "toxic_probability": "0.970000",
                       "model": "odd-v2", "source": "page", "reviewed_label": "non-toxic",
                       "final_label": "non-toxic", "reviewed_by": "ada"}
    assert (rows[1]["reviewed_label"], rows[1]["final_label"], rows[1]["reviewed_by"]) == ("", "non-toxic", "")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(staff_client, make_prediction, text):
    make_prediction(text)
    (row,) = read_csv(staff_client.get("/dashboard/predictions/export.csv"))
    assert row["text"] == "'" + text


def test_ordinary_cells_are_left_as_they_are():
    assert [export.neutralise(v) for v in ["fine", "a=b", " =x", 0.5, None]] == ["fine", "a=b", " =x", "0.5", ""]


def test_the_export_is_produced_as_the_rows_are_read_not_all_at_once(staff_client, make_prediction,
                                                                     monkeypatch):
    for n in range(25):
        make_prediction(f"comment {n}")
    monkeypatch.setattr(export, "CHUNK_ROWS", 10)
    response = staff_client.get("/dashboard/predictions/export.csv")
    content = response.streaming_content
    assert not isinstance(content, (list, bytes)), "a generator, consumed as the server sends"
    first = next(iter(content))
    assert first.startswith(b"id,created,text,")
    assert len(b"".join(content).splitlines()) + len(first.splitlines()) == 26


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_export_streams_without_django_buffering_it(staff, make_prediction):
    for n in range(3):
        make_prediction(f"comment {n}")
    client = AsyncClient()
    client.force_login(staff)

    async def fetch():
        response = await client.get("/dashboard/predictions/export.csv")
        return response, b"".join([chunk async for chunk in response.streaming_content])

    import asyncio

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django warns when it must read a sync iterator into a list
        response, body = asyncio.run(fetch())
    assert response.status_code == 200 and body.count(b"\n") == 4


def test_bad_filters_are_a_json_400(staff_client, db):
    response = staff_client.get("/dashboard/predictions/export.csv", {"min_probability": "2"})
    assert response.status_code == 400
    assert response.json() == {"error": "min_probability: Ensure this value is less than or equal to 1."}
