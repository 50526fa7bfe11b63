"""Who a mailing holds back, end to end over XML-RPC: the requesting department opens the
list before the sending (and exports it), the marketing manager sees a decision's effect
before taking it, and after a real sending the requester reads in the mailing's messages
how many received it and how many were held back, by reason."""
import pytest
from test_pressure_e2e import QUEUE_CRON, denied, received, send

from conftest import partner_mailing, run_cron, utc


@pytest.fixture
def people(admin, tag):
    """Three contacts with addresses no other test uses: {name: (id, email)}."""
    result = {}
    for name in ("anne", "bruno", "chloe"):
        email = "e2e-held-%s-%s@example.org" % (tag, name)
        result[name] = (admin.call("res.partner", "create", {"name": name, "email": email}),
                        email)
    return result


def report(user, mailing_id):
    """The bodies of the mailing's messages that tell the sending's counts."""
    messages = user.call("mail.message", "search_read",
                         [("model", "=", "mail.mass_mailing"), ("res_id", "=", mailing_id)],
                         fields=["body"])
    return [m["body"] for m in messages
            if "écartés" in m["body"] or "held back" in m["body"]]


def test_held_back_list_decision_impact_and_report(
        admin, moderator, formation, employee, smtp_sink, people, quota, tag):
    anne, bruno, chloe = (people[n][0] for n in ("anne", "bruno", "chloe"))
    emails = dict(people.values())
    category_id = quota["category_id"]
    # Anne has had her mailing of the week
    first_id = partner_mailing(formation, [anne], "Matinale retenus %s" % tag,
                               cci_category_id=category_id)
    send(formation, moderator, admin, first_id)

    # before the sending, the department sees that Anne would be held back, and why
    subject = "Atelier retenus %s" % tag
    second_id = partner_mailing(formation, [anne, bruno, chloe], subject,
                                cci_category_id=category_id)
    rows = formation.call("mail.mass_mailing", "cci_held_back", [second_id])
    assert [(r["partner_id"], quota["rule_name"] in r["reason"]) for r in rows] == [
        (anne, True)]
    assert denied(employee.call, "mail.mass_mailing", "cci_held_back", [second_id])
    action = formation.call("mail.mass_mailing", "action_cci_view_held_back", [second_id])
    assert action["res_model"] == "cci.held.back"
    line_ids = formation.call("cci.held.back", "search", action["domain"])
    exported = formation.call("cci.held.back", "export_data", line_ids,
                              ["partner_id/id", "email", "reason"])["datas"]
    assert [row[1] for row in exported] == [emails[anne]]

    # the marketing manager sees what approving it does, before approving
    assert formation.call("mail.mass_mailing", "action_cci_submit", [second_id]) is True
    impact = moderator.call("mail.mass_mailing", "cci_check_decision", [second_id],
                            "approve", utc(-1))
    assert (impact["mailing"]["total"], impact["mailing"]["over_quota"]) == (3, 1)
    assert isinstance(impact["others"], list)
    assert denied(formation.call, "mail.mass_mailing", "cci_check_decision", [second_id],
                  "approve")

    # sent: Bruno and Chloe receive it; the requester is told the counts
    assert moderator.call("mail.mass_mailing", "action_cci_approve", [second_id],
                          utc(-1)) is True
    run_cron(admin, QUEUE_CRON)
    assert received(smtp_sink, subject, emails.values()) == {emails[bruno], emails[chloe]}
    bodies = report(formation, second_id)
    assert len(bodies) == 1, bodies
    assert "Destinataires atteints : 2 ; écartés : 1" in bodies[0] \
        or "Recipients who received it: 2; held back: 1" in bodies[0]
    assert quota["rule_name"] in bodies[0]
    assert formation.call("mail.mass_mailing", "read", [second_id],
                          ["cci_all_held_back"])[0]["cci_all_held_back"] is False

    # a mailing that nobody receives does not look like an ordinary success
    third = "Relance retenus %s" % tag
    third_id = partner_mailing(formation, [anne], third, cci_category_id=category_id)
    send(formation, moderator, admin, third_id)
    assert received(smtp_sink, third, emails.values()) == set()
    mailing = formation.call("mail.mass_mailing", "read", [third_id],
                             ["state", "cci_all_held_back", "cci_excluded_count"])[0]
    assert (mailing["state"], mailing["cci_all_held_back"], mailing["cci_excluded_count"]) \
        == ("done", True, 1)
    bodies = report(formation, third_id)
    assert len(bodies) == 1 and ("tous les destinataires (1)" in bodies[0]
                                 or "every recipient (1)" in bodies[0]), bodies
