"""The pressure of partners over XML-RPC, as a call-centre tool asks for it before calling:
per rule with the departments' shares, the pause, and the date from which a solicitation
fits again, the same as the mailing check says."""
from datetime import datetime, timedelta

from conftest import partner_mailing, refused, run_cron, utc

QUEUE_CRON = "mass_mailing.ir_cron_mass_mailing_queue"


def moment(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def test_call_centre_reads_the_pressure_of_partners(admin, moderator, formation, employee,
                                                    quota, tag):
    anne, bruno = (admin.call("res.partner", "create", {
        "name": name, "email": "e2e-pressure-%s-%s@example.org" % (tag, name)})
        for name in ("anne", "bruno"))
    category_id = quota["category_id"]
    department_id = formation.call("cci.department", "search", [("name", "=", "Formation")])[0]
    sent_id = partner_mailing(formation, [anne], "Pression %s" % tag,
                              cci_category_id=category_id)
    assert formation.call("mail.mass_mailing", "action_cci_submit", [sent_id]) is True
    assert moderator.call("mail.mass_mailing", "action_cci_approve", [sent_id],
                          utc(-1)) is True
    run_cron(admin, QUEUE_CRON)

    answer = employee.call("res.partner", "cci_pressure", [anne, bruno], False,
                           category_id, department_id)
    assert set(answer) == {str(anne), str(bruno)}
    rules = {r["name"]: r for r in answer[str(anne)]["rules"]}
    weekly = rules[quota["rule_name"]]
    assert (weekly["scope"], weekly["used"], weekly["max"], weekly["by_department"]) == (
        "contact", 1.0, 1.0, {"Formation": 1.0})
    assert {r["name"]: r["used"] for r in answer[str(bruno)]["rules"]}[quota["rule_name"]] == 0
    assert answer[str(anne)]["blocked_until"] is False
    free = moment(answer[str(anne)]["next_free_date"])
    assert timedelta(days=6) < free - datetime.utcnow() < timedelta(days=8)
    assert moment(answer[str(bruno)]["next_free_date"]) - datetime.utcnow() < timedelta(
        minutes=5)

    # an advisor planning a call on Anne sees it in the activity dialog, as advice
    partner_model = admin.call("ir.model", "search", [("model", "=", "res.partner")])[0]
    dialog = formation.call(
        "mail.activity", "onchange", [],
        {"res_model": "res.partner", "res_model_id": partner_model, "res_id": anne,
         "cci_pressure_advice": False},
        "res_id", {"res_model": "", "res_model_id": "", "res_id": "1",
                   "cci_pressure_advice": ""})
    advice = dialog["value"]["cci_pressure_advice"]
    assert "%s (anne): 1 of 1 used, by Formation 1" % quota["rule_name"] in advice, advice
    assert "Advice only" in advice

    # the same date as the check of a mailing of that category and department suggests
    draft_id = partner_mailing(formation, [anne], "Pression bis %s" % tag,
                               cci_category_id=category_id)
    suggested = formation.call("mail.mass_mailing", "cci_suggest_date", [draft_id])
    assert abs(moment(suggested) - free) < timedelta(minutes=5)

    # Bruno asks for peace until a date: blocked until then, and his level says so
    until = (datetime.utcnow() + timedelta(days=10)).strftime("%Y-%m-%d")
    assert admin.call("res.partner", "write", [bruno], {"cci_no_solicit_until": until})
    answer = employee.call("res.partner", "cci_pressure", [bruno], utc())
    assert answer[str(bruno)]["blocked_until"] == until
    assert moment(answer[str(bruno)]["next_free_date"]).strftime("%Y-%m-%d") == until
    assert employee.call("res.partner", "read", [bruno], ["cci_pressure_level"])[0][
        "cci_pressure_level"] == "blocked"

    # bad input in words a person understands
    assert "YYYY-MM-DD" in refused(employee.call, "res.partner", "cci_pressure", [anne],
                                   "demain")
    assert "There is no category" in refused(employee.call, "res.partner", "cci_pressure",
                                             [anne], False, 999999999)
