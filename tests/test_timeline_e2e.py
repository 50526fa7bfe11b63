"""The chamber-wide timeline over XML-RPC, end to end against a running server.

A department member prepares a mailing, the marketing manager approves it, Odoo's queues send
it to the SMTP sink; the recipients then open it (tracking pixel), click (tracked link),
answer and bounce through Odoo's own routes and mail gateway; the timeline shows each fact.
"""
import email.utils
import http.client
import re
import time
import urllib.parse
import xmlrpc.client
from datetime import datetime, timedelta

import pytest

from conftest import mailing_category, run_cron

DOMAIN = "timeline-e2e.example.com"


def html_of(message):
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def get(url):
    """GET without following redirections (tracked links lead to the outside world)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def due():
    """A send date already past: Odoo's queue takes the mailings scheduled before now, so one
    approved for "now" would wait for the clock to move on."""
    return (datetime.utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")


def fault_text(call):
    with pytest.raises(xmlrpc.client.Fault) as err:
        call()
    return err.value.faultString


@pytest.fixture(scope="module")
def chamber(odoo, smtp_sink):
    """A company with three contacts, one mailing from Formation sent and reacted to."""
    admin, formation, moderator = (odoo.as_user(x) for x in ("admin", "formation", "marketing"))
    tag = str(int(time.time() * 1000))[-8:]
    admin.call("ir.config_parameter", "set_param", "mail.catchall.domain", DOMAIN)
    admin.call("ir.config_parameter", "set_param", "mail.bounce.alias", "bounce")
    company = admin.call("res.partner", "create", {
        "name": "Tannerie Vial %s" % tag, "is_company": True,
        "email": "contact-%s@tannerie-vial.example.com" % tag})
    people = {}
    for key in ("reader", "clicker", "bounced"):
        people[key] = admin.call("res.partner", "create", {
            "name": "%s Vial" % key.title(), "parent_id": company,
            "email": "%s-%s@tannerie-vial.example.com" % (key, tag)})
    partner_model = admin.call("ir.model", "search", [("model", "=", "res.partner")])[0]
    department = formation.ref("cci_marketing.cci_department_formation")
    mailing = formation.call("mail.mass_mailing", "create", {
        "name": "Formations de l'automne %s" % tag,
        "mailing_model_id": partner_model,
        "mailing_domain": repr([("id", "in", sorted(people.values()))]),
        "body_html": "<p>Bonjour,</p><p><a href='https://www.example.com/formations'>"
                     "Le programme</a></p>",
        "reply_to_mode": "thread",
        "cci_department_id": department,
        **mailing_category(formation),
    })
    formation.call("mail.mass_mailing", "action_cci_submit", [mailing])
    moderator.call("mail.mass_mailing", "action_cci_approve", [mailing], due())
    before = len(smtp_sink.messages)
    run_cron(admin, "mass_mailing.ir_cron_mass_mailing_queue")
    run_cron(admin, "mail.ir_cron_mail_scheduler_action")
    # the crons return once the SMTP server took the mails; the sink's thread may still be
    # writing them down
    deadline = time.time() + 120
    while len(smtp_sink.messages) < before + 3 and time.time() < deadline:
        time.sleep(0.2)
    sent = {}
    for item in smtp_sink.messages[before:]:
        for key in people:
            if any(("%s-%s@" % (key, tag)) in rcpt for rcpt in item["to"]):
                sent[key] = item
    assert set(sent) == set(people), "the three contacts got the mailing"

    # the reader opens (tracking pixel) then answers through the mail gateway
    html = html_of(sent["reader"]["message"])
    pixel = re.search(r'(http://[^"\']+/mail/track/\d+/blank\.gif)', html).group(1)
    assert get(pixel) == 200
    original_id = sent["reader"]["message"]["Message-Id"]
    reply = (
        "From: Reader Vial <reader-%(tag)s@tannerie-vial.example.com>\r\n"
        "To: catchall@%(domain)s\r\nSubject: Re: Formations\r\n"
        "Message-Id: <reply-%(tag)s@tannerie-vial.example.com>\r\n"
        "In-Reply-To: %(orig)s\r\nReferences: %(orig)s\r\nDate: %(date)s\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nInscrivez-moi, merci.\r\n"
    ) % {"tag": tag, "domain": DOMAIN, "orig": original_id,
         "date": email.utils.formatdate()}
    admin.call("mail.thread", "message_process", "res.partner", reply,
               thread_id=people["reader"])

    # the clicker clicks the tracked link (which also counts as an open)
    html = html_of(sent["clicker"]["message"])
    link = re.search(r'(http://[^"\']+/r/\w+/m/\d+)', html).group(1)
    assert get(link) in (301, 302)

    # the third address bounces back to the bounce alias the mail was sent from
    bounce_to = sent["bounced"]["from"]
    assert bounce_to.startswith("bounce+"), bounce_to
    dsn = (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: %(to)s\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-Id: <dsn-%(tag)s@mx.example.com>\r\nDate: %(date)s\r\n"
        "Content-Type: text/plain\r\n\r\nUser unknown.\r\n"
    ) % {"to": bounce_to, "tag": tag, "date": email.utils.formatdate()}
    admin.call("mail.thread", "message_process", False, dsn)
    return {"company": company, "people": people, "mailing": mailing,
            "department": department, "tag": tag}


def kinds_of(rows, partner):
    return sorted(r["kind"] for r in rows if r["partner_id"] == partner)


def test_every_fact_is_on_the_company_timeline(employee, chamber):
    rows = employee.call("res.partner", "cci_timeline", [chamber["company"]])
    people = chamber["people"]
    assert kinds_of(rows, people["reader"]) == [
        "mailing_opened", "mailing_replied", "mailing_sent"]
    assert kinds_of(rows, people["clicker"]) == [
        "mailing_clicked", "mailing_opened", "mailing_sent"]
    assert kinds_of(rows, people["bounced"]) == ["mailing_bounced", "mailing_sent"]
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True), "newest first"
    for row in rows:
        assert row["department"] == "Formation"
        assert row["res_model"] == "mail.mass_mailing"
        assert row["res_id"] == chamber["mailing"]
        assert row["commercial_partner_id"] == chamber["company"]
        assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", row["date"])
    count = employee.call("res.partner", "read", [chamber["company"]],
                          ["cci_interaction_count"])[0]["cci_interaction_count"]
    assert count == len(rows) == 8


def test_contact_timeline_paging_and_filters(employee, chamber):
    reader = chamber["people"]["reader"]
    rows = employee.call("res.partner", "cci_timeline", [reader])
    assert len(rows) == 3 and {r["partner_id"] for r in rows} == {reader}
    page = employee.call("res.partner", "cci_timeline", [chamber["company"]], limit=3, offset=3)
    everything = employee.call("res.partner", "cci_timeline", [chamber["company"]])
    assert [r["id"] for r in page] == [r["id"] for r in everything[3:6]]
    clicks = employee.call("res.partner", "cci_timeline", [chamber["company"]],
                           kinds=["mailing_clicked"])
    assert [r["partner_id"] for r in clicks] == [chamber["people"]["clicker"]]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    in_period = employee.call("res.partner", "cci_timeline", [chamber["company"]],
                              department_ids=[chamber["department"]],
                              date_from=today, date_to=today)
    assert len(in_period) == 8
    other = employee.ref("cci_marketing.cci_department_international")
    assert employee.call("res.partner", "cci_timeline", [chamber["company"]],
                         department_ids=[other]) == []


def test_partner_figures_over_xmlrpc(employee, chamber):
    people = chamber["people"]
    fields = ["cci_mailing_received_count", "cci_mailing_opened_count",
              "cci_mailing_clicked_count", "cci_open_rate", "cci_email_health",
              "cci_solicitation_count_30d", "cci_engagement_score", "cci_last_open_date"]
    values = {r["id"]: r for r in employee.call(
        "res.partner", "read", list(people.values()) + [chamber["company"]], fields)}
    reader, clicker = values[people["reader"]], values[people["clicker"]]
    assert (reader["cci_mailing_received_count"], reader["cci_mailing_opened_count"],
            reader["cci_open_rate"]) == (1, 1, 100.0)
    assert clicker["cci_mailing_clicked_count"] == 1
    assert reader["cci_engagement_score"] == 100
    assert reader["cci_last_open_date"]
    assert values[people["bounced"]]["cci_email_health"] == "bounced"
    company = values[chamber["company"]]
    assert company["cci_mailing_received_count"] == 3
    assert company["cci_solicitation_count_30d"] == 3
    assert company["cci_email_health"] == "ok"
    engaged = employee.call("res.partner", "search", [
        ("parent_id", "=", chamber["company"]), ("cci_engaged_90d", "=", True)])
    assert sorted(engaged) == sorted([people["reader"], people["clicker"]])


def test_bounced_address_is_left_out_of_another_departments_mailing(
        odoo, smtp_sink, chamber):
    admin, moderator = odoo.as_user("admin"), odoo.as_user("marketing")
    international = odoo.as_user("international")
    people = chamber["people"]
    partner_model = admin.call("ir.model", "search", [("model", "=", "res.partner")])[0]
    mailing = international.call("mail.mass_mailing", "create", {
        "name": "Mission export %s" % chamber["tag"],
        "mailing_model_id": partner_model,
        "mailing_domain": repr([("id", "in", sorted(people.values()))]),
        "body_html": "<p>Mission collective</p>",
        "reply_to_mode": "email",
        "cci_department_id": international.ref("cci_marketing.cci_department_international"),
        **mailing_category(international),
    })
    international.call("mail.mass_mailing", "action_cci_submit", [mailing])
    moderator.call("mail.mass_mailing", "action_cci_approve", [mailing], due())
    run_cron(admin, "mass_mailing.ir_cron_mass_mailing_queue")
    stats = admin.call("mail.mail.statistics", "search_read",
                       [("mass_mailing_id", "=", mailing)], ["res_id"])
    assert sorted(s["res_id"] for s in stats) == sorted([people["reader"], people["clicker"]])
    rows = international.call("res.partner", "cci_timeline", [people["bounced"]],
                              kinds=["mailing_excluded"])
    assert len(rows) == 1
    assert rows[0]["department"] == "International"
    assert "adresse en erreur" in rows[0]["name"]  # in the chamber's language


def test_bad_input_gets_a_clear_error(employee, chamber):
    company = [chamber["company"]]
    assert "phone_call" in fault_text(
        lambda: employee.call("res.partner", "cci_timeline", company, kinds=["phone_call"]))
    assert "start date must come before" in fault_text(
        lambda: employee.call("res.partner", "cci_timeline", company,
                              date_from="2026-03-01", date_to="2026-01-01"))
    assert "between 1 and" in fault_text(
        lambda: employee.call("res.partner", "cci_timeline", company, limit=-5))
    assert "YYYY-MM-DD" in fault_text(
        lambda: employee.call("res.partner", "cci_timeline", company, date_from="hier"))


def test_nobody_edits_the_timeline_over_xmlrpc(employee, moderator, chamber):
    row = employee.call("res.partner", "cci_timeline", [chamber["company"]], limit=1)[0]
    count = employee.call("cci.interaction", "search_count", [])
    attempts = [
        ("write", [[row["id"]], {"name": "x"}]),
        ("unlink", [[row["id"]]]),
        ("create", [{"date": row["date"], "kind": "meeting", "source_model": "x",
                     "source_id": 1}]),
    ]
    for user in (employee, moderator):
        for method, args in attempts:
            text = fault_text(lambda u=user, m=method, a=args: u.call("cci.interaction", m, *a))
            assert "timeline" in text.lower() or "access" in text.lower()
    assert employee.call("cci.interaction", "search_count", []) == count
    assert employee.call("cci.interaction", "read", [row["id"]], ["name"])[0]["name"] == \
        row["name"]
