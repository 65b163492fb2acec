"""TOXILAB_STORE_TEXT=0: checks through the real API and page store a keyed hash instead of the text,
with the verdict as always; identical texts still group and are reviewed together, the review pages
and the API say the text was not kept, and neither the export nor training gets a text."""

import hashlib

from tests.support.api import call_json, post_json
from webapp.checker.models import Prediction
from webapp.checker.registry import register
from webapp.review import dataset

SAME, OTHER = "you are a fool and a liar", "thanks for fixing the citation"


def test_a_site_that_keeps_no_text_stores_its_keyed_hash_and_still_groups_and_reviews_duplicates(
    db, settings, client, check_api, staff_client, baseline_dir, tmp_path
):
    settings.TOXILAB_STORE_TEXT = False
    register(baseline_dir, name="baseline", activate=True)

    answered = [check_api({"text": SAME}), check_api({"texts": [SAME, OTHER]})]
    page = client.post("/", {"text": OTHER})
    rows = list(Prediction.objects.order_by("id"))
    same, same_again, other, other_again = rows

    assert [response.status_code for response in answered] == [200, 200] and page.status_code == 200
    assert OTHER in page.content.decode()  # the visitor's own page still shows what they typed
    assert all(row.text == "" and len(row.text_digest) == 64 for row in rows)
    assert same.text_digest == same_again.text_digest != other.text_digest == other_again.text_digest
    assert same.text_digest != hashlib.sha256(SAME.encode()).hexdigest()  # keyed: no guess can be confirmed
    assert [row.label for row in rows] == [answer["label"] for a in answered for answer in a.json()["results"]] + [
        other_again.label
    ]
    assert all(SAME not in str(value) and OTHER not in str(value) for row in rows for value in vars(row).values())

    listing = staff_client.get("/dashboard/predictions/").content.decode()
    detail = staff_client.get(f"/dashboard/predictions/{same.pk}/").content.decode()
    api = call_json(staff_client, "get", "/predictions").json()["items"]
    reviewed = post_json(staff_client, f"/predictions/{same.pk}/review", {"label": "toxic", "same_text": True})
    export = b"".join(staff_client.get("/dashboard/predictions/export.csv").streaming_content).decode()

    assert listing.count("(text not kept)") == 4 and listing.count(">×2</span>") == 4
    assert "Text not kept" in detail
    assert all(item["text"] == "" and item["text_kept"] is False for item in api)
    assert reviewed.status_code == 200
    assert {p.pk for p in Prediction.objects.filter(reviewed_at__isnull=False)} == {same.pk, same_again.pk}
    assert SAME not in export and OTHER not in export
    assert dataset.write_training_csv(tmp_path / "reviewed.csv") == 0  # nothing to train on without a text
