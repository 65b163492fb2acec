"""A prediction's review page (the queue's page too) marks the words that pushed its verdict, computed
when shown by the active model, and says so when no model can explain it."""

from webapp.checker.registry import register


def test_the_page_marks_the_insults_by_the_active_model(staff_client, make_prediction, baseline_dir):
    active = register(baseline_dir, name="baseline-now", activate=True)
    prediction = make_prediction("you are a stupid idiot <script>", label="toxic", version=active)

    page = staff_client.get(f"/dashboard/predictions/{prediction.pk}/")

    why = page.context["why"]
    marked = {s["text"] for s in why.segments if s["push"] == "toxic"}
    assert {"stupid", "idiot"} <= marked and why.same_model
    html = page.content.decode()
    assert 'class="push push-toxic"' in html and "&lt;script&gt;" in html and "<script>" not in html.split("</h1>")[1]


def test_it_names_the_active_model_when_another_gave_the_verdict(staff_client, make_prediction, baseline_dir):
    prediction = make_prediction("you are a stupid idiot", label="toxic")
    register(baseline_dir, name="baseline-now", activate=True)

    page = staff_client.get(f"/dashboard/predictions/{prediction.pk}/")

    assert page.context["why"].same_model is False
    assert "Explained by the active model" in page.content.decode()


def test_without_an_active_model_the_page_says_why_there_is_no_explanation(staff_client, make_prediction):
    prediction = make_prediction("you are a stupid idiot", label="toxic")

    page = staff_client.get(f"/dashboard/predictions/{prediction.pk}/")

    assert page.status_code == 200 and page.context["why"] is None
    assert "No model is active" in page.content.decode()
