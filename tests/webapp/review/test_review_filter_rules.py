"""The filter form's own rules: bad values are errors on their field, the reviewed filter, dates,
and a cursor that is not one."""

from datetime import timedelta

from django.utils import timezone


def test_bad_filter_values_are_shown_on_their_field_with_status_400(staff_client, versions):
    response = staff_client.get(
        "/dashboard/predictions/", {"min_probability": "0.8", "max_probability": "0.2", "label": "rude", "model": "999"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"max_probability", "label", "model"}
    assert "must not be below the lower bound" in errors["max_probability"][0]


def test_the_reviewed_filter_tells_reviewed_unreviewed_and_relabelled_apart(staff_client, staff, make_prediction):
    from webapp.review import actions

    kept, changed, untouched = (make_prediction(f"text {n}", label="toxic") for n in range(3))
    actions.review([kept.pk], staff, "confirm")
    actions.review([changed.pk], staff, "non-toxic")

    def listed(which):
        return {p.pk for p in staff_client.get("/dashboard/predictions/", {"reviewed": which}).context["page"].rows}

    assert listed("yes") == {kept.pk, changed.pk}
    assert listed("no") == {untouched.pk}
    assert listed("relabelled") == {changed.pk}


def test_the_date_range_includes_its_last_day_in_the_sites_time_zone(staff_client, make_prediction):
    now = timezone.now()
    old = make_prediction("old", created=now - timedelta(days=3))
    recent = make_prediction("recent", created=now)
    today = timezone.localdate().isoformat()

    listed = staff_client.get("/dashboard/predictions/", {"since": today, "until": today}).context["page"].rows
    assert [p.pk for p in listed] == [recent.pk]
    earlier = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert [p.pk for p in staff_client.get("/dashboard/predictions/", {"until": earlier}).context["page"].rows] == [
        old.pk
    ]


def test_a_forged_cursor_sends_back_to_the_first_page_with_a_message(staff_client, make_prediction):
    make_prediction()
    response = staff_client.get("/dashboard/predictions/", {"after": "bm90LWEtY3Vyc29y", "label": "toxic"}, follow=True)
    assert response.redirect_chain[0][0] == "/dashboard/predictions/?label=toxic"
    assert "start again from the first page" in response.content.decode()
