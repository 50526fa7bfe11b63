"""Moderation end to end, over XML-RPC against a running server with an SMTP sink: a
department submits, the marketing manager approves, the queue cron sends; without approval
nothing leaves, whatever the call."""
import ast
import os
import time
import urllib.request
import xmlrpc.client
from datetime import datetime, timedelta

import pytest

from conftest import partner_mailing, run_cron

QUEUE_CRON = "mass_mailing.ir_cron_mass_mailing_queue"


def utc(minutes=0):
    return (datetime.utcnow() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def audience(admin):
    """Three contacts with addresses no other test uses."""
    tag = "%d-%d" % (os.getpid(), int(time.time() * 1000))
    emails = ["e2e-%s-%s@example.org" % (tag, n) for n in ("anne", "bruno", "chloe")]
    ids = [admin.call("res.partner", "create", {"name": email.split("@")[0], "email": email})
           for email in emails]
    return dict(zip(ids, emails))


def received(smtp_sink, audience, subject):
    """Addresses of our audience that got a message with this subject."""
    got = set()
    for msg in smtp_sink.messages:
        if subject in str(msg["message"].get("Subject", "")):
            got |= {rcpt for rcpt in msg["to"] if rcpt in audience.values()}
    return got


def read(user, mailing_id, fields):
    return user.call("mail.mass_mailing", "read", [mailing_id], fields)[0]


def refused(call, *args, **kwargs):
    with pytest.raises(xmlrpc.client.Fault) as err:
        call(*args, **kwargs)
    return err.value.faultString


def test_submitted_approved_queued_sent_then_followed_up(odoo, admin, moderator, formation,
                                                         employee, smtp_sink, audience):
    subject = "Matinale e2e %s" % next(iter(audience.values())).split("@")[0]
    mailing_id = partner_mailing(formation, audience, subject, cci_requested_date=utc(60 * 24))
    mailing = read(formation, mailing_id, ["cci_department_id", "cci_moderation_state"])
    assert mailing["cci_department_id"][1] == "Formation"
    assert mailing["cci_moderation_state"] == "draft"

    assert formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id]) is True
    to_decide = moderator.call("mail.mass_mailing", "search",
                               [("cci_moderation_state", "=", "submitted")])
    assert mailing_id in to_decide
    todo = moderator.call("mail.activity", "search_count", [
        ("res_model", "=", "mail.mass_mailing"), ("res_id", "=", mailing_id),
        ("user_id", "=", moderator.uid)])
    assert todo == 1
    # everyone sees the planning, drafts aside
    seen = employee.call("mail.mass_mailing", "search_read", [("id", "=", mailing_id)],
                         fields=["name", "cci_department_id", "cci_planning_date",
                                 "cci_moderation_state"])
    assert seen and seen[0]["cci_moderation_state"] == "submitted"

    assert moderator.call("mail.mass_mailing", "action_cci_approve", [mailing_id],
                          utc(-1)) is True
    mailing = read(moderator, mailing_id, ["cci_moderation_state", "state", "cci_moderator_id"])
    assert (mailing["cci_moderation_state"], mailing["state"]) == ("approved", "in_queue")
    assert mailing["cci_moderator_id"][0] == moderator.uid

    run_cron(admin, QUEUE_CRON)
    assert received(smtp_sink, audience, subject) == set(audience.values())
    assert read(formation, mailing_id, ["state"])["state"] == "done"

    history = formation.call("cci.moderation.decision", "search_read",
                             [("mass_mailing_id", "=", mailing_id)],
                             fields=["decision", "state_from", "state_to", "user_id"],
                             order="id")
    assert [(h["decision"], h["state_from"], h["state_to"]) for h in history] == [
        ("submit", "draft", "submitted"), ("approve", "submitted", "approved")]
    assert [h["user_id"][0] for h in history] == [formation.uid, moderator.uid]
    partner_id = formation.call("res.users", "read", [formation.uid], ["partner_id"])[0][
        "partner_id"][0]
    told = formation.call("mail.message", "search_read", [
        ("model", "=", "mail.mass_mailing"), ("res_id", "=", mailing_id),
        ("partner_ids", "in", [partner_id])], fields=["body"])
    assert any("Approved" in m["body"] for m in told), "the requester is told of the decision"

    # Anne opens the mail (the tracking pixel, the real route): the follow-up aims at the others
    anne_id = next(pid for pid, email in audience.items() if "-anne@" in email)
    stat = admin.call("mail.mail.statistics", "search_read",
                      [("mass_mailing_id", "=", mailing_id), ("res_id", "=", anne_id)],
                      fields=["mail_mail_id_int"])[0]
    urllib.request.urlopen("%s/mail/track/%d/blank.gif" % (odoo.url, stat["mail_mail_id_int"]),
                           timeout=120).read()
    followup_id = formation.call("mail.mass_mailing", "action_cci_create_followup",
                                 [mailing_id], "not_opened")
    followup = read(formation, followup_id, ["mailing_domain", "cci_parent_id",
                                             "cci_moderation_state", "cci_department_id"])
    assert followup["cci_parent_id"][0] == mailing_id
    assert followup["cci_moderation_state"] == "draft"
    assert followup["cci_department_id"][1] == "Formation"
    assert sorted(ast.literal_eval(followup["mailing_domain"])[0][2]) == sorted(
        pid for pid in audience if pid != anne_id)
    assert "sent" in refused(formation.call, "mail.mass_mailing", "action_cci_create_followup",
                             [followup_id], "not_opened")


def test_without_approval_nothing_leaves(admin, moderator, formation, smtp_sink, audience):
    subject = "Sans accord e2e %s" % next(iter(audience.values())).split("@")[0]
    mailing_id = partner_mailing(formation, audience, subject)
    assert formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id]) is True

    for user in (formation, moderator):
        assert "approved" in refused(user.call, "mail.mass_mailing", "put_in_queue",
                                     [mailing_id])
        assert "approved" in refused(user.call, "mail.mass_mailing", "send_mail",
                                     [mailing_id])
        assert "approved" in refused(user.call, "mail.mass_mailing", "write", [mailing_id],
                                     {"state": "in_queue"})
        refused(user.call, "mail.mass_mailing", "write", [mailing_id],
                {"cci_moderation_state": "approved"})
    # a department member cannot decide, nor can a context pretend to be the actions
    assert "marketing manager" in refused(formation.call, "mail.mass_mailing",
                                          "action_cci_approve", [mailing_id])
    refused(formation.call, "mail.mass_mailing", "write", [mailing_id],
            {"cci_moderation_state": "approved", "state": "in_queue"},
            context={"cci_moderation_token": True})
    # a test message to a test address is still possible
    wizard_id = formation.call("mail.mass_mailing.test", "create",
                               {"mass_mailing_id": mailing_id,
                                "email_to": "test-e2e@chamber.example.com"})
    assert formation.call("mail.mass_mailing.test", "send_mail_test", [wizard_id]) is True

    run_cron(admin, QUEUE_CRON)
    assert received(smtp_sink, audience, subject) == set()
    assert any("test-e2e@chamber.example.com" in m["to"] for m in smtp_sink.messages)
    mailing = read(formation, mailing_id, ["state", "cci_moderation_state"])
    assert (mailing["state"], mailing["cci_moderation_state"]) == ("draft", "submitted")

    # rejected with a reason: still nothing
    assert "reason" in refused(moderator.call, "mail.mass_mailing", "action_cci_reject",
                               [mailing_id], "")
    assert moderator.call("mail.mass_mailing", "action_cci_reject", [mailing_id],
                          "Pas ce mois-ci") is True
    run_cron(admin, QUEUE_CRON)
    assert received(smtp_sink, audience, subject) == set()


def test_postponed_mailing_waits_for_its_date(admin, moderator, formation, smtp_sink, audience):
    subject = "Plus tard e2e %s" % next(iter(audience.values())).split("@")[0]
    mailing_id = partner_mailing(formation, audience, subject)
    formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id])
    assert "YYYY-MM-DD" in refused(moderator.call, "mail.mass_mailing", "action_cci_postpone",
                                   [mailing_id], "demain", "Pas cette semaine")
    assert moderator.call("mail.mass_mailing", "action_cci_postpone", [mailing_id],
                          utc(60 * 24 * 10), "Pas cette semaine") is True
    mailing = read(formation, mailing_id, ["cci_moderation_state", "state",
                                           "cci_moderation_note", "schedule_date"])
    assert (mailing["cci_moderation_state"], mailing["state"]) == ("approved", "in_queue")
    assert mailing["cci_moderation_note"] == "Pas cette semaine"
    run_cron(admin, QUEUE_CRON)
    assert received(smtp_sink, audience, subject) == set()
    # the department edits the approved mailing: back to the moderator, out of the queue
    formation.call("mail.mass_mailing", "write", [mailing_id], {"body_html": "<p>Changé</p>"})
    mailing = read(formation, mailing_id, ["cci_moderation_state", "state"])
    assert (mailing["cci_moderation_state"], mailing["state"]) == ("submitted", "draft")


def test_overlaps_and_planning_over_xmlrpc(moderator, formation, audience):
    first = partner_mailing(formation, audience, "Chevauchement A",
                            cci_requested_date=utc(60 * 72))
    second = partner_mailing(formation, dict(list(audience.items())[:2]), "Chevauchement B",
                             cci_requested_date=utc(60 * 73))
    formation.call("mail.mass_mailing", "action_cci_submit", [first, second])
    overlaps = moderator.call("mail.mass_mailing", "cci_check_overlaps", [first])
    assert [(o["id"], o["shared"]) for o in overlaps if o["id"] == second] == [(second, 2)]
    action = moderator.call("mail.mass_mailing", "cci_action_planning")
    assert action["context"]["search_default_to_decide"] == 1
