"""Helpers shared by the chamber's addons that are not models."""
import datetime
import math
from contextlib import contextmanager

import pytz

from odoo import _, fields
from odoo.exceptions import UserError

DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
# Dates outside these years are typing mistakes (and the year 9999 breaks the date
# arithmetic of the forms): refused wherever a date of the contract is given.
FIRST_YEAR = 2000
LAST_YEAR = 2100
# How far ahead a mailing can be approved, postponed or checked against the quotas.
DECISION_YEARS_AHEAD = 2


def moment_zone(env):
    """The time zone moments are shown in: the reader's, else the chamber's (its company's
    address), so that a cron's text and a user's screen name the same zone."""
    return (env.context.get("tz") or env.user.tz
            or env.user.sudo().company_id.partner_id.tz or "UTC")


def local_moment(env, value):
    """``value`` (UTC, a datetime or 'YYYY-MM-DD HH:MM:SS') as an aware datetime in the zone
    of ``moment_zone``."""
    moment = (value if isinstance(value, datetime.datetime)
              else fields.Datetime.from_string(value))
    return pytz.utc.localize(moment).astimezone(pytz.timezone(moment_zone(env)))


def format_moment(record, value, time=True):
    """A datetime (in the user's time zone, which is named) or, ``time=False``, a date,
    written the way the user's language writes them (dd/mm/yyyy in French)."""
    env = record.env
    lang = env["res.lang"]._lang_get(env.context.get("lang") or env.user.lang or "en_US")
    date_format = lang.date_format or "%Y-%m-%d"
    if not time:
        day = value if isinstance(value, datetime.date) else fields.Date.from_string(value)
        return day.strftime(date_format)
    stamp = local_moment(env, value)
    time_format = (lang.time_format or "%H:%M").replace(":%S", "")
    return "%s %s (%s)" % (stamp.strftime(date_format), stamp.strftime(time_format),
                           stamp.tzinfo.zone)


def count_by(model, field, ids, domain=()):
    """{id: how many records of ``model`` have it in ``field``} for ``ids``, in one
    read_group (ids with none are absent)."""
    if not ids:
        return {}
    data = model.read_group([(field, "in", list(ids))] + list(domain), [field], [field])
    return {group[field][0]: group[field + "_count"] for group in data}


def window_action(env, xmlid, domain, context=None, **values):
    """The window action ``xmlid`` as the web client opens it: on ``domain``, with
    ``context`` (none of the action's own unless given) and the action's other ``values``."""
    action = env.ref(xmlid).read()[0]
    action.update(domain=domain, context=context or {}, **values)
    return action


def render(cr, statement):
    """The text of a ``psycopg2.sql`` statement, its parameters left as placeholders.

    Odoo 11's cursor takes text only: with ``--log-level=debug_sql`` it lower-cases and
    logs the query, which fails on a ``Composed``. Every statement built with
    ``psycopg2.sql`` goes through here before ``cr.execute``."""
    return statement.as_string(cr._obj)


@contextmanager
def sql_settings(cr, **settings):
    """PostgreSQL settings for the queries run inside the block, put back after it (and
    gone with the transaction in any case), e.g. ``sql_settings(cr, work_mem="256MB")``."""
    names = sorted(settings)
    if not names:
        yield
        return
    cr.execute("SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)"
                                     for _name in names),
               [arg for name in names for arg in (name, name, settings[name])])
    row = cr.fetchone()
    try:
        yield
    finally:
        cr.execute("SELECT " + ", ".join("set_config(%s, %s, true)" for _name in names),
                   [arg for n, name in enumerate(names) for arg in (name, row[2 * n])])


def is_number(value):
    """A finite int or float; booleans, strings, NaN and infinities are not numbers here."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def check_number(value, message, whole=False):
    """``value`` if it is a number (see is_number), and a whole one when ``whole`` (1.5 days
    is refused, not rounded); else UserError(message). The range is the constraints' job."""
    if not is_number(value) or (whole and value != int(value)):
        raise UserError(message)
    return value


def check_one(records, message):
    """UserError(message) unless ``records`` is exactly one record (methods of the contract
    that act on one record, called with several ids or none)."""
    if len(records) != 1:
        raise UserError(message)
    return records


def parse_datetime(self, value, label, end_of_day=False, years_ahead=None,
                   last_year=LAST_YEAR):
    """A moment given as 'YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD HH:MM' or 'YYYY-MM-DD' (UTC), a
    datetime or a date -> datetime; False when empty. Anything else, a year outside
    FIRST_YEAR to ``last_year`` or, with ``years_ahead``, a moment more than that many years
    from now: a UserError that names the argument and the expected form.

    ``self``: any record, for the language of the messages (``_()`` looks for ``self``).
    ``label`` names the argument: ``date_from`` and ``date_to`` have their own sentences,
    any other (translated) name is shown apart from the sentence. ``end_of_day``: a date
    alone means its last second.
    """
    if value is False or value is None or (isinstance(value, str) and not value.strip()):
        return False
    moment = None
    if isinstance(value, datetime.datetime):
        moment = value.replace(microsecond=0)
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time(23, 59, 59) if end_of_day
                                           else datetime.time())
    elif isinstance(value, str):
        for fmt in DATETIME_FORMATS:
            try:
                moment = datetime.datetime.strptime(value.strip(), fmt)
            except ValueError:
                continue
            if end_of_day and fmt == "%Y-%m-%d":
                moment = moment.replace(hour=23, minute=59, second=59)
            break
    if moment is None:
        messages = {
            "date_from": _("The start date '%(value)s' is not a date: use the form "
                           "YYYY-MM-DD or YYYY-MM-DD HH:MM:SS."),
            "date_to": _("The end date '%(value)s' is not a date: use the form "
                         "YYYY-MM-DD or YYYY-MM-DD HH:MM:SS."),
        }
        message = messages.get(label) or _(
            "'%(value)s' is not a date (%(label)s): use the form YYYY-MM-DD or "
            "YYYY-MM-DD HH:MM:SS.")
        raise UserError(message % {"label": label, "value": value})
    if not FIRST_YEAR <= moment.year <= last_year:
        raise UserError(
            _("The date '%(value)s' (%(label)s) is out of range: give a date between the "
              "years %(first)d and %(last)d.")
            % {"value": value, "label": label, "first": FIRST_YEAR, "last": last_year})
    if years_ahead:
        limit = datetime.datetime.utcnow() + datetime.timedelta(days=366 * years_ahead)
        if moment > limit:
            raise UserError(
                _("The date '%(value)s' (%(label)s) is more than %(years)d years ahead: "
                  "give a nearer date.")
                % {"value": value, "label": label, "years": years_ahead})
    return moment
