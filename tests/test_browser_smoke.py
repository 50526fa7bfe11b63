"""The web client loads on a desktop and on a phone without a JavaScript error; on the phone
the left menu is folded away behind the top hamburger and nothing is wider than the screen."""
import pytest
from browser import server_log_checked  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("server_log_checked")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_departments_screen(web, viewport):
    page = web("marketing", viewport)
    page.open_action("cci_marketing.cci_department_action")
    page.wait_text("Formation")
    page.wait_text("Apprentissage")
    if viewport == "phone":
        assert not page.displayed(".o_sub_menu"), "the left menu takes the phone's screen"
        assert page.displayed("#oe_main_menu_navbar .navbar-toggle")
        assert page.css(".o_content .o_kanban_view"), "a phone opens the cards first"
        page.assert_fits("departments")
    else:
        assert page.displayed(".o_sub_menu a[data-menu-xmlid='cci_marketing.cci_department_menu']")
    page.screenshot("departments")
