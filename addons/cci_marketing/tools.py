"""Helpers shared by the chamber's addons that are not models."""
import datetime
from contextlib import contextmanager

from odoo import fields


def format_moment(record, value, time=True):
    """A datetime (in the user's time zone, which is named) or, ``time=False``, a date,
    written the way the user's language writes them (dd/mm/yyyy in French)."""
    env = record.env
    lang = env["res.lang"]._lang_get(env.context.get("lang") or env.user.lang or "en_US")
    date_format = lang.date_format or "%Y-%m-%d"
    if not time:
        day = value if isinstance(value, datetime.date) else fields.Date.from_string(value)
        return day.strftime(date_format)
    stamp = fields.Datetime.context_timestamp(
        record, value if isinstance(value, datetime.datetime)
        else fields.Datetime.from_string(value))
    time_format = (lang.time_format or "%H:%M").replace(":%S", "")
    zone = env.context.get("tz") or env.user.tz or "UTC"
    return "%s %s (%s)" % (stamp.strftime(date_format), stamp.strftime(time_format), zone)


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
