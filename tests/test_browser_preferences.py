"""The contact's preference page, in Chromium, from the link a mail received: no account,
in French, fits a 390 px phone; the choice made there is the contact's new preference."""
import pytest
from browser import Page, server_log_checked  # noqa: F401 (a fixture)
from selenium.webdriver.common.by import By

from conftest import partner_mailing, run_cron, utc

pytestmark = pytest.mark.usefixtures("server_log_checked")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_contact_chooses_one_a_month(admin, moderator, formation, smtp_sink, tag,
                                         viewport):
    email = "e2e-page-%s-%s@example.org" % (viewport, tag)
    partner = admin.call("res.partner", "create", {"name": "Page %s" % viewport,
                                                   "email": email})
    subject = "Page %s %s" % (viewport, tag)
    mailing_id = partner_mailing(formation, [partner], subject)
    formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id])
    moderator.call("mail.mass_mailing", "action_cci_approve", [mailing_id], utc(-1))
    run_cron(admin, "mass_mailing.ir_cron_mass_mailing_queue")
    [message] = [m["message"] for m in smtp_sink.messages
                 if subject in str(m["message"].get("Subject", "")) and email in m["to"]]
    url = message["List-Unsubscribe"].split(",")[0].strip(" <>")

    page = Page(admin.odoo.url, viewport=viewport)
    try:
        page.driver.get(url)
        page.wait_text("Vos préférences d'envoi")
        page.wait_text("Ce que la chambre vous envoie")
        page.wait_text("vous a envoyé un message")
        page.assert_fits("preferences")
        page.screenshot("preferences")
        page.click(page.driver.find_element(
            By.CSS_SELECTOR, "input[name=own_limit][value=month]"))
        page.click(page.driver.find_element(By.CSS_SELECTOR, "button.cci-save"))
        page.wait_text("Vos choix sont enregistrés.")
        page.wait_text("au plus un message par mois")
        page.assert_fits("preferences-saved")
        assert not page.collect_errors()
    finally:
        page.driver.quit()
    read = admin.call("res.partner", "read", [partner], ["cci_own_limit", "opt_out"])[0]
    assert read["cci_own_limit"] == "month" and not read["opt_out"]
    rows = admin.call("res.partner", "cci_timeline", [partner], kinds=["preference_changed"])
    assert len(rows) == 1
