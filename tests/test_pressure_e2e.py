"""Solicitation quotas end to end, over XML-RPC against a running server with an SMTP sink:
the marketing manager sets a quota, a department's mailing is checked before it is
submitted, the queue cron leaves out the recipients over quota and their timeline says why."""
from datetime import datetime, timedelta

import pytest

from conftest import partner_mailing, refused, run_cron, utc

QUEUE_CRON = "mass_mailing.ir_cron_mass_mailing_queue"


def denied(call, *args, **kwargs):
    """The call is refused for lack of rights (Odoo's access error or a moderator-only
    action)."""
    text = refused(call, *args, **kwargs).lower()
    return any(words in text for words in (
        "accesserror", "not allowed", "security restrictions", "only the marketing manager",
        "only the departments' members"))


@pytest.fixture
def contacts(admin, tag):
    """Four contacts with addresses no other test uses: {name: (id, email)}."""
    result = {}
    for name in ("anne", "bruno", "chloe", "david"):
        email = "e2e-quota-%s-%s@example.org" % (tag, name)
        result[name] = (admin.call("res.partner", "create", {"name": name, "email": email}),
                        email)
    return result


def received(smtp_sink, subject, emails):
    """Which of these addresses got a message with this subject (the moderation notices
    to the chamber's users aside)."""
    return {rcpt for msg in smtp_sink.messages
            if subject in str(msg["message"].get("Subject", "")) for rcpt in msg["to"]
            if rcpt in emails}


def send(formation, moderator, admin, mailing_id):
    assert formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id]) is True
    assert moderator.call("mail.mass_mailing", "action_cci_approve", [mailing_id],
                          utc(-1)) is True
    run_cron(admin, QUEUE_CRON)


def test_only_the_marketing_manager_sets_quotas(moderator, formation, employee, tag):
    assert denied(formation.call, "cci.pressure.rule", "create", {
        "name": "Pirate %s" % tag, "window_days": 7, "max_weight": 99})
    assert denied(employee.call, "cci.mailing.category", "create",
                  {"name": "Pirate %s" % tag, "weight": 0})
    rules = formation.call("cci.pressure.rule", "search_read", [],
                           fields=["name", "window_days", "max_weight", "scope", "summary"])
    assert any(r["scope"] == "company" for r in rules), "default quotas ship with the addon"
    assert "between 1 and 365 days" in refused(
        moderator.call, "cci.pressure.rule", "create",
        {"name": "Zero %s" % tag, "window_days": 0, "max_weight": 2})
    assert "cannot be negative" in refused(
        moderator.call, "cci.mailing.category", "create",
        {"name": "Negative %s" % tag, "weight": -1})
    rule_id = moderator.call("cci.pressure.rule", "create", {
        "name": "E2E quarter %s" % tag, "window_days": 90, "max_weight": 12,
        "scope": "company"})
    assert moderator.call("cci.pressure.rule", "write", [rule_id], {"active": False}) is True


def test_checked_before_submitting_and_enforced_at_send_time(
        admin, moderator, formation, employee, smtp_sink, contacts, quota, tag):
    anne, bruno, chloe, david = (contacts[n][0] for n in ("anne", "bruno", "chloe", "david"))
    emails = dict(contacts.values())
    category_id = quota["category_id"]

    # a first mailing reaches Anne and Bruno
    first = "Matinale quota %s" % tag
    first_id = partner_mailing(formation, [anne, bruno], first, cci_category_id=category_id)
    send(formation, moderator, admin, first_id)
    assert received(smtp_sink, first, emails.values()) == {emails[anne], emails[bruno]}

    # a second one, to Anne, Bruno and Chloe, a day later: the department sees before
    # submitting that Anne and Bruno are over the quota, because of Formation's mailing
    second = "Atelier quota %s" % tag
    second_id = partner_mailing(formation, [anne, bruno, chloe], second,
                                cci_category_id=category_id)
    tomorrow = utc(60 * 24)
    check = formation.call("mail.mass_mailing", "cci_check_pressure", [second_id], tomorrow)
    assert (check["total"], check["ok"], check["over_quota"]) == (3, 1, 2)
    assert check["by_rule"] == {quota["rule_name"]: 2}
    assert check["by_department"] == {"Formation": 2}
    suggested = datetime.strptime(check["suggested_date"], "%Y-%m-%d %H:%M:%S")
    assert timedelta(days=5) < suggested - datetime.utcnow() < timedelta(days=8)
    assert check["suggested_over_quota"] == 0
    # without a date: the wished date, else now (to the second)
    again = formation.call("mail.mass_mailing", "cci_suggest_date", [second_id])
    assert abs(datetime.strptime(again, "%Y-%m-%d %H:%M:%S") - suggested) \
        < timedelta(days=1, minutes=1)
    panel = formation.call("mail.mass_mailing", "read", [second_id],
                           ["cci_pressure_total", "cci_pressure_over", "cci_pressure_summary"])[0]
    assert (panel["cci_pressure_total"], panel["cci_pressure_over"]) == (3, 2)
    assert quota["rule_name"] in panel["cci_pressure_summary"]

    # bad input, and someone without access to mailings
    assert "YYYY-MM-DD" in refused(formation.call, "mail.mass_mailing", "cci_check_pressure",
                                   [second_id], "demain")
    assert denied(employee.call, "mail.mass_mailing", "cci_check_pressure", [second_id])

    # sent anyway: Anne and Bruno are left out, and their timeline says which rule
    send(formation, moderator, admin, second_id)
    assert received(smtp_sink, second, emails.values()) == {emails[chloe]}
    mailing = formation.call("mail.mass_mailing", "read", [second_id],
                             ["state", "cci_excluded_count"])[0]
    assert (mailing["state"], mailing["cci_excluded_count"]) == ("done", 2)
    timeline = employee.call("res.partner", "cci_timeline", [anne],
                             kinds=["mailing_excluded"])
    assert len(timeline) == 1
    assert second in timeline[0]["name"] and quota["rule_name"] in timeline[0]["name"]

    # a third, submitted: the moderator postpones it in one click to the suggested date
    third_id = partner_mailing(formation, [anne, david], "Salon quota %s" % tag,
                               cci_category_id=category_id, cci_requested_date=tomorrow)
    assert formation.call("mail.mass_mailing", "action_cci_submit", [third_id]) is True
    suggested = formation.call("mail.mass_mailing", "cci_suggest_date", [third_id])
    # the planning is everyone's, the quota check the marketing users'
    assert denied(employee.call, "mail.mass_mailing", "cci_suggest_date", [third_id])
    assert denied(formation.call, "mail.mass_mailing", "action_cci_postpone_to_suggested",
                  [third_id])
    assert moderator.call("mail.mass_mailing", "action_cci_postpone_to_suggested",
                          [third_id]) is True
    third = moderator.call("mail.mass_mailing", "read", [third_id],
                           ["schedule_date", "cci_moderation_state", "state"])[0]
    assert (third["schedule_date"], third["cci_moderation_state"], third["state"]) == (
        suggested, "approved", "in_queue")
    assert moderator.call("mail.mass_mailing", "cci_check_pressure", [third_id])[
        "over_quota"] == 0


def test_dashboard_figures_for_the_moderator(moderator, formation):
    groups = moderator.call("cci.pressure.report", "read_group", [("kind", "=", "sent")],
                            ["department_id", "solicitation_count", "weight"],
                            ["department_id"])
    assert groups and all(g["solicitation_count"] > 0 for g in groups)
    levels = moderator.call("res.partner", "read_group", [("email", "!=", False)],
                            ["cci_pressure_level"], ["cci_pressure_level"])
    assert {g["cci_pressure_level"] for g in levels} >= {"none"}
    assert formation.call("cci.pressure.report", "search_count", []) >= len(groups)
