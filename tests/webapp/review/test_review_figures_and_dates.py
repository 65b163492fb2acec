"""The review list's live figures (the "By model" fragment its script fetches after each review), one
ISO date format on the filters, the pages and the admin, and no export offered for zero matches."""

from datetime import UTC, datetime


def test_the_by_model_fragment_counts_a_review_as_soon_as_it_lands(staff_client, make_prediction):
    first, _ = make_prediction("one", label="toxic"), make_prediction("two", label="toxic")
    before = staff_client.get("/dashboard/predictions/summary/", {"label": "toxic"}).content.decode()

    staff_client.post(
        "/dashboard/predictions/review/", {"row": f"{first.pk}:non-toxic"}, headers={"X-Requested-With": "fetch"}
    )
    after = staff_client.get("/dashboard/predictions/summary/", {"label": "toxic"}).content.decode()

    assert '<td class="num">0 (0&nbsp;%)</td>' in before
    assert '<td class="num">1 (50&nbsp;%)</td>' in after and "0&nbsp;% of 1" in after
    page = staff_client.get("/dashboard/predictions/", {"label": "toxic"}).content.decode()
    assert 'id="summary-box" data-url="/dashboard/predictions/summary/?label=toxic"' in page


def test_date_filters_show_and_take_iso_days_only(staff_client, make_prediction):
    make_prediction(created=datetime(2026, 1, 2, 10, 30, tzinfo=UTC))

    page = staff_client.get("/dashboard/predictions/", {"since": "2026-01-02"})
    html = page.content.decode()
    american = staff_client.get("/dashboard/predictions/", {"since": "01/02/2026"})

    assert page.status_code == 200 and len(page.context["page"].rows) == 1
    assert 'name="since" value="2026-01-02"' in html and 'placeholder="YYYY-MM-DD"' in html
    assert 'type="date"' not in html, "a date field shows the browser's locale (mm/dd/yyyy)"
    assert american.status_code == 400 and "Enter a valid date." in american.content.decode()


def test_pages_and_the_admin_write_dates_in_iso(staff_client, make_prediction):
    prediction = make_prediction(created=datetime(2026, 1, 2, 10, 30, 5, tzinfo=UTC))

    listed = staff_client.get("/dashboard/predictions/").content.decode()
    detail = staff_client.get(f"/dashboard/predictions/{prediction.pk}/").content.decode()
    admin = staff_client.get("/admin/checker/prediction/")

    assert ">2026-01-02 10:30</time>" in listed
    assert "<dd>2026-01-02 10:30:05</dd>" in detail
    assert admin.status_code == 200, "view_prediction opens the admin's list of predictions too"
    assert "2026-01-02 10:30:05" in admin.content.decode() and "Jan. 2, 2026" not in admin.content.decode()


def test_export_is_offered_only_when_something_matches(staff_client, make_prediction):
    make_prediction("hello")
    assert 'id="export-link"' in staff_client.get("/dashboard/predictions/", {"q": "hello"}).content.decode()
    assert 'id="export-link"' not in staff_client.get("/dashboard/predictions/", {"q": "absent"}).content.decode()
