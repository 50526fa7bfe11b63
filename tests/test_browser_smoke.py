"""The web client loads for each role, on a desktop and on a phone, without a JS error."""
import pytest


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_departments_screen(web, viewport):
    page = web("marketing", viewport)
    page.open_action("cci_marketing.cci_department_action")
    page.wait_text("Formation")
    page.wait_text("Apprentissage")
    page.screenshot("departments")
