"""The contact's own say end to end, against a running server with an SMTP sink: the
department notes a contact's wishes over XML-RPC, the check and the sending obey them; every
mail of a mailing carries a one-click unsubscribe link that a real HTTP POST, with no login,
uses (and a tampered one cannot)."""
import urllib.error
import urllib.request

import pytest

from conftest import partner_mailing, refused, run_cron, utc

QUEUE_CRON = "mass_mailing.ir_cron_mass_mailing_queue"


@pytest.fixture
def people(admin, tag):
    """Three contacts with addresses no other test uses: {name: (id, email)}."""
    result = {}
    for name in ("alice", "basile", "carla"):
        email = "e2e-own-%s-%s@example.org" % (tag, name)
        result[name] = (admin.call("res.partner", "create", {"name": name, "email": email}),
                        email)
    return result


def send(formation, moderator, admin, mailing_id):
    assert formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id]) is True
    assert moderator.call("mail.mass_mailing", "action_cci_approve", [mailing_id],
                          utc(-1)) is True
    run_cron(admin, QUEUE_CRON)


def messages_to(smtp_sink, subject, email):
    return [msg["message"] for msg in smtp_sink.messages
            if subject in str(msg["message"].get("Subject", "")) and email in msg["to"]]


def post(url, data=b"List-Unsubscribe=One-Click"):
    """(status, body) of a POST made as a mailbox provider makes it: no cookie, no login."""
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def test_preferences_over_xmlrpc_are_obeyed(admin, moderator, formation, employee, smtp_sink,
                                            people, quota, tag):
    alice, basile, carla = (people[n][0] for n in ("alice", "basile", "carla"))
    department = formation.call("res.users", "read", [formation.uid],
                                ["cci_department_ids"])[0]["cci_department_ids"][0]
    # a phone call: Alice wants nothing from this department, Basile one a month
    assert formation.call("res.partner", "write", [alice],
                          {"cci_optout_department_ids": [(6, 0, [department])]}) is True
    assert formation.call("res.partner", "write", [basile], {"cci_own_limit": "month"}) is True
    read = employee.call("res.partner", "read", [alice, basile],
                         ["cci_own_limit", "cci_optout_department_ids",
                          "cci_optout_category_ids"])
    assert read[0]["cci_optout_department_ids"] == [department]
    assert read[1]["cci_own_limit"] == "month"
    assert "not a limit" in refused(formation.call, "res.partner", "write", [carla],
                                    {"cci_own_limit": "daily"})
    assert "only the departments' members" in refused(
        employee.call, "res.partner", "write", [carla], {"cci_own_limit": "week"}).lower()
    timeline = employee.call("res.partner", "cci_timeline", [alice],
                             kinds=["preference_changed"])
    assert len(timeline) == 1 and "no mailings from" in timeline[0]["name"]

    # Basile got one mailing already; the next one of the month is checked and held back
    first = "Own say first %s" % tag
    send(formation, moderator, admin, partner_mailing(
        formation, [basile], first, cci_category_id=quota["category_id"]))
    assert messages_to(smtp_sink, first, people["basile"][1])
    other_category = moderator.call("cci.mailing.category", "create",
                                    {"name": "E2E own say %s" % tag, "weight": 1})
    second = "Own say second %s" % tag
    second_id = partner_mailing(formation, [alice, basile, carla], second,
                                cci_category_id=other_category)
    check = formation.call("mail.mass_mailing", "cci_check_pressure", [second_id])
    assert check["over_quota"] == 2
    assert check["by_rule"]["own choice: 1 a month"] == 1
    assert sum(n for name, n in check["by_rule"].items()
               if name.startswith("own choice: no mailings from")) == 1
    send(formation, moderator, admin, second_id)
    assert messages_to(smtp_sink, second, people["carla"][1])
    assert not messages_to(smtp_sink, second, people["alice"][1])
    assert not messages_to(smtp_sink, second, people["basile"][1])
    held = admin.call("cci.interaction", "search_read",
                      [("mass_mailing_id", "=", second_id), ("kind", "=", "mailing_excluded")],
                      fields=["partner_id", "name"])
    reasons = {row["partner_id"][0]: row["name"] for row in held}
    # Stored reasons are written in the chamber's language (French in the demo company)
    assert "choix du contact : 1 par mois" in reasons[basile]
    assert "choix du contact : aucune campagne de" in reasons[alice]


def test_one_click_unsubscribe_from_the_headers_received(admin, moderator, formation,
                                                        smtp_sink, people, tag):
    alice, basile = people["alice"][0], people["basile"][0]
    subject = "One click %s" % tag
    mailing_id = partner_mailing(formation, [alice, basile], subject)
    send(formation, moderator, admin, mailing_id)
    links = {}
    for name in ("alice", "basile"):
        [message] = messages_to(smtp_sink, subject, people[name][1])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        parts = [p.strip(" <>") for p in message["List-Unsubscribe"].split(",")]
        assert parts[0].startswith(admin.odoo.url + "/cci/unsubscribe/%d/" % mailing_id)
        assert any(p.startswith("mailto:") for p in parts[1:])
        links[name] = parts[0]
    assert links["alice"] != links["basile"]

    # a tampered link (Basile's address with Alice's signature) changes nothing
    base, _token, signature = links["alice"].rsplit("/", 2)
    basile_token = links["basile"].rsplit("/", 2)[1]
    status, body = post("%s/%s/%s" % (base, basile_token, signature))
    assert status == 403 and "nothing was changed" in body
    status, _body = post("%s/%s/%s" % (base, "not-a-token", signature))
    assert status == 400
    opt_out = admin.call("res.partner", "read", [alice, basile], ["opt_out"])
    assert [row["opt_out"] for row in opt_out] == [False, False]

    # Alice's own link, posted by her mailbox provider: unsubscribed at once
    status, body = post(links["alice"])
    assert status == 200 and people["alice"][1] in body
    opt_out = admin.call("res.partner", "read", [alice, basile], ["opt_out"])
    assert [row["opt_out"] for row in opt_out] == [True, False]
    rows = admin.call("res.partner", "cci_timeline", [alice], kinds=["unsubscribed"])
    assert len(rows) == 1 and subject in rows[0]["name"]


def test_a_test_send_carries_no_working_link(admin, formation, smtp_sink, people, tag):
    subject = "Test send %s" % tag
    mailing_id = partner_mailing(formation, [people["alice"][0]], subject)
    address = "e2e-tester-%s@example.org" % tag
    wizard = formation.call("mail.mass_mailing.test", "create",
                            {"mass_mailing_id": mailing_id, "email_to": address})
    formation.call("mail.mass_mailing.test", "send_mail_test", [wizard])
    [message] = messages_to(smtp_sink, subject, address)
    url = message["List-Unsubscribe"].split(",")[0].strip(" <>")
    status, _body = post(url)
    assert status in (400, 403)
    assert not admin.call("cci.interaction", "search",
                          [("kind", "=", "unsubscribed"), ("email", "=", address)])


ARF = """From: fbl@mailbox.example.net
To: bounce@cci-demo.example.com
Subject: Abuse report
Message-ID: <fbl-%(tag)s@mailbox.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

An abuse report.

--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1

--arf
Content-Type: message/rfc822

%(original)s
--arf--
"""


def test_a_spam_complaint_through_the_mail_gateway(admin, moderator, formation, smtp_sink,
                                                   people, tag):
    carla = people["carla"][0]
    subject = "Complaint %s" % tag
    mailing_id = partner_mailing(formation, [carla], subject)
    send(formation, moderator, admin, mailing_id)
    [message] = messages_to(smtp_sink, subject, people["carla"][1])
    original = "\n".join("%s: %s" % (name, message[name]) for name in (
        "Message-Id", "Subject", "To", "List-Unsubscribe") if message[name]) + "\n\nBody\n"
    report = ARF % {"tag": tag, "original": original}
    admin.call("mail.thread", "message_process", False, report)
    assert admin.call("res.partner", "read", [carla], ["opt_out"])[0]["opt_out"] is True
    rows = admin.call("res.partner", "cci_timeline", [carla], kinds=["mailing_complained"])
    assert len(rows) == 1 and subject in rows[0]["name"]
    rate = moderator.call("mail.mass_mailing", "read", [mailing_id],
                          ["cci_complaint_rate", "cci_complaint_count"])[0]
    assert rate["cci_complaint_count"] == 1 and rate["cci_complaint_rate"] == 100.0
