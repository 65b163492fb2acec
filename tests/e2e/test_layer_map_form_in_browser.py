"""The launch form in Chromium: the layer map field shows for the custom method only, and a hidden
option group is not sent (a map typed for custom and left behind does not refuse an odd student)."""

from tests.support import chromium
from tests.support.accounts import staff_user

SENT = "() => [...new FormData(document.getElementById('launch-form')).keys()]"


def test_the_layer_map_is_shown_and_sent_for_the_custom_method_only(live_server, transactional_db):
    staff_user("ada", password=chromium.PASSWORD, groups=["Trainers"])
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, live_server.url, "/dashboard/jobs/new/")

        page.select_option("#id_method", "custom")
        assert page.is_visible("#id_layers") and page.is_visible("#id_temperature")
        page.fill("#id_layers", "0,3,5")
        assert "layers" in page.evaluate(SENT)

        page.select_option("#id_method", "odd")
        assert not page.is_visible("#id_layers") and page.is_visible("#id_temperature")
        sent = page.evaluate(SENT)
        assert "layers" not in sent and "lora_r" not in sent and "temperature" in sent

        page.select_option("#id_method", "custom")
        assert page.input_value("#id_layers") == "0,3,5" and "layers" in page.evaluate(SENT)
