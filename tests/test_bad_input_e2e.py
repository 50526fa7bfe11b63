"""Bad input end to end, over XML-RPC against a running server: every method and field of
the public contract (CONTRACT.md), given a wrong type, an out-of-range or non-finite number,
a date in another format, an unknown selection value or the wrong number of ids, is refused
with a UserError, ValidationError or AccessError in plain words, and nothing is written.

Odoo 11 returns a UserError as fault code 2 whose faultString is the message itself, an
AccessError as fault code 4 (``str()`` of the exception: ``('message', None)``), and anything
else as fault code 1 whose faultString is the server's Python traceback: for a
ValidationError it ends with ``odoo.exceptions.ValidationError: ('message', None)``."""
import ast
import os
import time
import xmlrpc.client
from datetime import datetime, timedelta

import pytest

from conftest import partner_mailing

NAN = float("nan")
INF = float("inf")
RAW = ("Traceback", "psycopg2", "ValueError", "TypeError", "KeyError", "AttributeError",
       "IndexError", "OverflowError", "Expected singleton")


def utc(days=0):
    return (datetime.utcnow() + timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")


def clear_message(fault):
    """The message of a UserError, ValidationError or AccessError fault, else None."""
    text = fault.faultString
    if fault.faultCode in (2, 4):
        if fault.faultCode == 4 and text.startswith("("):
            text = ast.literal_eval(text)[0]
        return text
    lines = [line for line in text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    for name in ("ValidationError", "UserError", "AccessError"):
        prefix = "odoo.exceptions.%s: " % name
        if last.startswith(prefix):
            if "psycopg2" in text or "During handling of the above exception" in text:
                return None  # a database or Python error dressed up by the RPC layer
            value = last[len(prefix):]
            return ast.literal_eval(value)[0] if value.startswith("(") else value
    return None


def assert_clear_refusal(fault):
    """The fault is a user-facing refusal whose message is whole words, not a traceback."""
    message = clear_message(fault)
    assert message is not None, "not a user error:\n%s" % fault.faultString[-1500:]
    for word in RAW:
        assert word not in message, "raw error in the message: %s" % message
    assert len(message.split()) >= 4, "too short to be understood: %r" % message
    return message


def refusal(call, *args, **kwargs):
    with pytest.raises(xmlrpc.client.Fault) as err:
        call(*args, **kwargs)
    return assert_clear_refusal(err.value)


@pytest.fixture(scope="module")
def world(odoo):
    """Records the tests try to damage, made once: a category, a quota, a department, a
    contact, a draft and a second draft mailing of Formation."""
    tag = "%d-%d" % (os.getpid(), int(time.time() * 1000))
    moderator = odoo.as_user("marketing")
    formation = odoo.as_user("formation")
    admin = odoo.as_user("admin")
    partners = [admin.call("res.partner", "create", {
        "name": "bad-input %s %s" % (tag, n), "email": "e2e-bad-%s-%s@example.org" % (tag, n)})
        for n in ("anne", "bruno")]
    category_id = moderator.call("cci.mailing.category", "create",
                                 {"name": "E2E bad input %s" % tag, "weight": 1})
    rule_id = moderator.call("cci.pressure.rule", "create", {
        "name": "E2E bad input %s" % tag, "window_days": 7, "max_weight": 3, "scope": "contact",
        "category_ids": [(6, 0, [category_id])]})
    department_id = admin.call("cci.department", "create",
                               {"name": "E2E bad input %s" % tag, "code": "BAD%s" % tag})
    mailings = [partner_mailing(formation, partners, "Bad input %s %d" % (tag, n),
                                cci_category_id=category_id) for n in (1, 2)]
    return {
        "tag": tag, "partners": partners, "category": category_id, "rule": rule_id,
        "department": department_id, "mailing": mailings[0], "other": mailings[1],
        "users": {"admin": admin, "moderator": moderator, "formation": formation},
    }


def read(user, model, record_id, fields):
    return user.call(model, "read", [record_id], fields)[0]


def named(user, model, name):
    return user.call(model, "search_count", [("name", "=", name)],
                     context={"active_test": False, "lang": "en_US"})


# ----------------------------------------------------------------------
# Fields: created and written with bad values
# ----------------------------------------------------------------------

WEIGHTS = ["x", "1", None, [1], {"a": 1}, NAN, INF, -INF, -1, -0.01, 1e6, True]
WINDOWS = ["x", "7", None, [7], NAN, INF, -1, 0, 1.5, 7.25, 366, 10 ** 6, True]
MAXIMA = ["x", "3", None, [3], NAN, INF, -INF, -1, 1e9, True]
SCOPES = ["foo", "", None, 1, ["contact"], "Contact"]
BLANKS = ["", "   ", None, False, "\t\n"]


@pytest.mark.parametrize("value", WEIGHTS, ids=repr)
def test_category_weight(world, value):
    moderator = world["users"]["moderator"]
    name = "E2E weight %s %r" % (world["tag"], value)
    refusal(moderator.call, "cci.mailing.category", "create", {"name": name, "weight": value})
    assert named(moderator, "cci.mailing.category", name) == 0
    refusal(moderator.call, "cci.mailing.category", "write", [world["category"]],
            {"weight": value})
    assert read(moderator, "cci.mailing.category", world["category"], ["weight"])[
        "weight"] == 1


@pytest.mark.parametrize("field,value", [("window_days", v) for v in WINDOWS]
                         + [("max_weight", v) for v in MAXIMA]
                         + [("scope", v) for v in SCOPES], ids=repr)
def test_rule_values(world, field, value):
    moderator = world["users"]["moderator"]
    name = "E2E rule %s %s %r" % (world["tag"], field, value)
    vals = {"name": name, "window_days": 30, "max_weight": 4, "scope": "contact"}
    vals[field] = value
    refusal(moderator.call, "cci.pressure.rule", "create", vals)
    assert named(moderator, "cci.pressure.rule", name) == 0
    refusal(moderator.call, "cci.pressure.rule", "write", [world["rule"]], {field: value})
    assert read(moderator, "cci.pressure.rule", world["rule"],
                ["window_days", "max_weight", "scope"]) == {
        "id": world["rule"], "window_days": 7, "max_weight": 3, "scope": "contact"}


@pytest.mark.parametrize("model", ["cci.department", "cci.mailing.category",
                                   "cci.pressure.rule"])
@pytest.mark.parametrize("value", BLANKS, ids=repr)
def test_blank_names(world, model, value):
    admin = world["users"]["admin"]
    vals = {
        "cci.department": {"code": "BLANK%s%d" % (world["tag"], BLANKS.index(value))},
        "cci.mailing.category": {"weight": 1},
        "cci.pressure.rule": {"window_days": 7, "max_weight": 1, "scope": "contact"},
    }[model]
    before = admin.call(model, "search_count", [], context={"active_test": False})
    refusal(admin.call, model, "create", dict(vals, name=value))
    assert admin.call(model, "search_count", [], context={"active_test": False}) == before
    record_id = {"cci.department": world["department"], "cci.mailing.category":
                 world["category"], "cci.pressure.rule": world["rule"]}[model]
    name = read(admin, model, record_id, ["name"])["name"]
    refusal(admin.call, model, "write", [record_id], {"name": value})
    assert read(admin, model, record_id, ["name"])["name"] == name


@pytest.mark.parametrize("value", BLANKS, ids=repr)
def test_blank_department_code(world, value):
    admin = world["users"]["admin"]
    name = "E2E code %s %r" % (world["tag"], value)
    refusal(admin.call, "cci.department", "create", {"name": name, "code": value})
    assert named(admin, "cci.department", name) == 0


def test_department_code_unique(world):
    admin = world["users"]["admin"]
    code = read(admin, "cci.department", world["department"], ["code"])["code"]
    name = "E2E same code %s" % world["tag"]
    refusal(admin.call, "cci.department", "create", {"name": name, "code": code})
    assert named(admin, "cci.department", name) == 0


BAD_DATES = ["31/12/2026", "2026-13-01", "2026-02-30", "9999-12-31 00:00:00",
             "1900-01-01 00:00:00", "2026-06-01T10:00:00", "demain", 12345, 1.5, True,
             ["2026-06-01"]]


@pytest.mark.parametrize("value", BAD_DATES, ids=repr)
def test_no_solicit_until(world, value):
    admin = world["users"]["admin"]
    partner_id = world["partners"][0]
    refusal(admin.call, "res.partner", "write", [partner_id], {"cci_no_solicit_until": value})
    assert read(admin, "res.partner", partner_id, ["cci_no_solicit_until"])[
        "cci_no_solicit_until"] is False


# ----------------------------------------------------------------------
# Methods: moderation
# ----------------------------------------------------------------------

def submitted(world):
    """A fresh submitted mailing of Formation."""
    formation = world["users"]["formation"]
    mailing_id = partner_mailing(formation, world["partners"], "Bad input submitted %s"
                                 % world["tag"], cci_category_id=world["category"])
    formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id])
    return mailing_id


MODERATION = ["cci_moderation_state", "state", "schedule_date", "cci_moderation_note"]


@pytest.mark.parametrize("value", BAD_DATES, ids=repr)
def test_approve_dates(world, value):
    moderator = world["users"]["moderator"]
    mailing_id = submitted(world)
    before = read(moderator, "mail.mass_mailing", mailing_id, MODERATION)
    refusal(moderator.call, "mail.mass_mailing", "action_cci_approve", [mailing_id], value)
    assert read(moderator, "mail.mass_mailing", mailing_id, MODERATION) == before


@pytest.mark.parametrize("value", BAD_DATES, ids=repr)
def test_postpone_dates(world, value):
    moderator = world["users"]["moderator"]
    mailing_id = submitted(world)
    before = read(moderator, "mail.mass_mailing", mailing_id, MODERATION)
    refusal(moderator.call, "mail.mass_mailing", "action_cci_postpone", [mailing_id], value,
            "Pas ce mois-ci")
    assert read(moderator, "mail.mass_mailing", mailing_id, MODERATION) == before


@pytest.mark.parametrize("method,args", [
    ("action_cci_approve", [False, ["a note"]]),
    ("action_cci_approve", [False, 12]),
    ("action_cci_postpone", ["far", "no"]),
    ("action_cci_postpone", [None, "Pas ce mois-ci"]),
    ("action_cci_postpone", [utc(10), None]),
    ("action_cci_postpone", [utc(10), ["Pas", "ce mois-ci"]]),
    ("action_cci_postpone", [utc(10), 42]),
    ("action_cci_reject", [None]),
    ("action_cci_reject", ["  "]),
    ("action_cci_reject", [{"reason": "x"}]),
], ids=repr)
def test_decision_arguments(world, method, args):
    moderator = world["users"]["moderator"]
    mailing_id = submitted(world)
    before = read(moderator, "mail.mass_mailing", mailing_id, MODERATION)
    refusal(moderator.call, "mail.mass_mailing", method, [mailing_id], *args)
    assert read(moderator, "mail.mass_mailing", mailing_id, MODERATION) == before


@pytest.mark.parametrize("login", ["admin", "moderator"])
@pytest.mark.parametrize("value", ["foo", "Approved", 1, ["approved"]], ids=repr)
def test_moderation_state_unknown(world, login, value):
    user = world["users"][login]
    mailing_id = world["other"]
    refusal(user.call, "mail.mass_mailing", "write", [mailing_id],
            {"cci_moderation_state": value})
    assert read(user, "mail.mass_mailing", mailing_id, ["cci_moderation_state"])[
        "cci_moderation_state"] == "draft"


@pytest.mark.parametrize("value", ["foo", "", None, 1, ["opened"], {"opened": 1}, "Opened"],
                         ids=repr)
def test_followup_audience(world, value):
    formation = world["users"]["formation"]
    before = formation.call("mail.mass_mailing", "search_count", [])
    refusal(formation.call, "mail.mass_mailing", "action_cci_create_followup",
            [world["mailing"]], value)
    assert formation.call("mail.mass_mailing", "search_count", []) == before


# ----------------------------------------------------------------------
# Methods: the wrong number of ids
# ----------------------------------------------------------------------

ONE_RECORD = [
    ("cci_check_pressure", []),
    ("cci_suggest_date", []),
    ("action_cci_create_followup", ["not_opened"]),
    ("cci_check_overlaps", []),
]


@pytest.mark.parametrize("ids", ["two", "none"])
@pytest.mark.parametrize("method,args", ONE_RECORD, ids=repr)
def test_one_mailing_at_a_time(world, method, args, ids):
    formation = world["users"]["formation"]
    mailing_ids = [world["mailing"], world["other"]] if ids == "two" else []
    before = formation.call("mail.mass_mailing", "search_count", [])
    refusal(formation.call, "mail.mass_mailing", method, mailing_ids, *args)
    assert formation.call("mail.mass_mailing", "search_count", []) == before


# ----------------------------------------------------------------------
# Methods: the quotas
# ----------------------------------------------------------------------

@pytest.mark.parametrize("value", BAD_DATES, ids=repr)
def test_check_pressure_date(world, value):
    formation = world["users"]["formation"]
    refusal(formation.call, "mail.mass_mailing", "cci_check_pressure", [world["mailing"]],
            value)


@pytest.mark.parametrize("value", [0, -1, "x", "30", 1.5, None, True, NAN, INF, [30], 366],
                         ids=repr)
def test_suggest_date_horizon(world, value):
    formation = world["users"]["formation"]
    refusal(formation.call, "mail.mass_mailing", "cci_suggest_date", [world["mailing"]],
            value)


# ----------------------------------------------------------------------
# Methods: the timeline
# ----------------------------------------------------------------------

TIMELINE = [
    {"limit": "80"}, {"limit": -1}, {"limit": 0}, {"limit": 10 ** 6}, {"limit": 1.5},
    {"limit": NAN}, {"limit": None}, {"limit": True},
    {"offset": "0"}, {"offset": -1}, {"offset": 1.5}, {"offset": NAN}, {"offset": [0]},
    {"kinds": ["no_such_kind"]}, {"kinds": "no_such_kind"}, {"kinds": 5},
    {"kinds": [["mailing_sent"]]}, {"kinds": {"mailing_sent": 1}},
    {"department_ids": "Formation"}, {"department_ids": 1.5}, {"department_ids": ["1"]},
    {"department_ids": {"a": 1}}, {"department_ids": [[1]]},
    {"date_from": "2026-01-01", "date_to": "2025-01-01"},
] + [{"date_from": d} for d in BAD_DATES] + [{"date_to": d} for d in BAD_DATES]


@pytest.mark.parametrize("kwargs", TIMELINE, ids=repr)
def test_timeline_arguments(world, kwargs):
    formation = world["users"]["formation"]
    refusal(formation.call, "res.partner", "cci_timeline", world["partners"][:1], **kwargs)


# ----------------------------------------------------------------------
# Submit: a mailing that cannot be sent is refused with a clear message
# ----------------------------------------------------------------------

UNSENDABLE = [
    {"mailing_domain": "[('no_such_field', '=', 1)]"},
    {"mailing_domain": "[('id', 'in'"},
    {"mailing_domain": "not_a_name"},
    {"mailing_domain": "[('email', 'like', 'x'), ('name', '!!', 'y')]"},
    {"email_from": "not an address"},
    {"email_from": "Formation <formation@>"},
    {"email_from": "   "},
    {"body_html": ""},
    {"body_html": "<p><br></p>"},
    {"body_html": False},
    {"mailing_model": "mail.mass_mailing.contact"},
]


@pytest.mark.parametrize("vals", UNSENDABLE, ids=repr)
def test_unsendable_mailing_refused_at_submit(world, vals):
    formation = world["users"]["formation"]
    vals = dict(vals)
    if vals.pop("mailing_model", None):
        model_id = formation.call("ir.model", "search",
                                  [("model", "=", "mail.mass_mailing.contact")])[0]
        vals.update(mailing_model_id=model_id, mailing_domain="[]", contact_list_ids=[])
    mailing_id = partner_mailing(formation, world["partners"], "Unsendable %s %r"
                                 % (world["tag"], vals), cci_category_id=world["category"],
                                 **vals)
    refusal(formation.call, "mail.mass_mailing", "action_cci_submit", [mailing_id])
    assert read(formation, "mail.mass_mailing", mailing_id, ["cci_moderation_state"])[
        "cci_moderation_state"] == "draft"


def test_far_wished_date_refused(world):
    formation = world["users"]["formation"]
    before = formation.call("mail.mass_mailing", "search_count", [])
    assert "9999" in refusal(partner_mailing, formation, world["partners"],
                             "Far %s" % world["tag"], cci_category_id=world["category"],
                             cci_requested_date="9999-12-31 00:00:00")
    assert formation.call("mail.mass_mailing", "search_count", []) == before


@pytest.mark.parametrize("value", BAD_DATES, ids=repr)
def test_requested_date(world, value):
    formation = world["users"]["formation"]
    mailing_id = world["other"]
    refusal(formation.call, "mail.mass_mailing", "write", [mailing_id],
            {"cci_requested_date": value})
    assert read(formation, "mail.mass_mailing", mailing_id, ["cci_requested_date"])[
        "cci_requested_date"] is False
