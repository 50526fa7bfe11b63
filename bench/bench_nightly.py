"""The nightly refresh of the partner figures and quota levels: a recount of everyone (the
first run, when a rule changes, once a week) against the run of each night, which recounts
the partners with new facts and those whose windows moved. Everything is rolled back."""
import statistics
import time
from datetime import timedelta

import chamber

from odoo import fields
from odoo.addons.cci_marketing.models.res_partner_figures_nightly import (
    FULL_EVERY_PARAM,
    WATERMARK_PARAM,
)

NEW_MAILING_SIZE = 10000  # the day's new facts: one mailing of this many recipients


def counted(ids, partners):
    """How many partners a run recounted (None: everyone)."""
    return partners if ids is None else len(ids)


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def measure(env, repeat, log=print):
    cr = env.cr
    Partner = env["res.partner"]
    Param = env["ir.config_parameter"].sudo()
    Param.set_param(FULL_EVERY_PARAM, "1000")
    # the nights after the generation: what it wrote is not "written since the last run"
    now = fields.Datetime.from_string(fields.Datetime.now()) + timedelta(days=1)
    day0 = fields.Datetime.to_string(now)
    day1 = fields.Datetime.to_string(now + timedelta(days=1))
    cr.execute("SELECT count(*) FROM res_partner")
    partners = cr.fetchone()[0]
    results = {"partners": partners}

    Param.set_param(WATERMARK_PARAM, False)
    results["first_run_seconds"], _ids = timed(lambda: Partner._cci_refresh_since_last_run(day0))
    log("nightly: first run (everyone) %.2f s" % results["first_run_seconds"])
    cr.execute("SAVEPOINT bench_nightly")
    times = []
    for _i in range(repeat):
        seconds, ids = timed(lambda: Partner._cci_refresh_since_last_run(day0))
        times.append(seconds)
    results["unchanged_seconds"] = statistics.median(times)
    results["unchanged_partners"] = counted(ids, partners)
    cr.execute("ROLLBACK TO SAVEPOINT bench_nightly")

    seconds, ids = timed(lambda: Partner._cci_refresh_since_last_run(day1))
    results.update(next_day_seconds=seconds, next_day_partners=counted(ids, partners))
    results["full_seconds"], different = timed(
        lambda: Partner._cci_refresh_tracking_fields(None, now=day1))
    results["next_day_differences"] = len(different)
    log("nightly: a day later %.2f s (%d partners), everyone %.2f s, %d differences"
        % (seconds, counted(ids, partners), results["full_seconds"], len(different)))
    cr.execute("ROLLBACK TO SAVEPOINT bench_nightly")

    cr.execute("""
        INSERT INTO cci_interaction (date, kind, partner_id, commercial_partner_id, name,
                                     is_solicitation, source_model, source_id, source_sub_id)
        SELECT %(when)s, 'mailing_sent', id, commercial_partner_id, 'Bench nightly', TRUE,
               %(ref)s, 900000000 + id, 0
          FROM res_partner WHERE ref = %(ref)s AND NOT is_company
         ORDER BY id DESC LIMIT %(size)s
    """, {"when": fields.Datetime.to_string(now + timedelta(hours=12)),
          "ref": chamber.BENCH_REF, "size": NEW_MAILING_SIZE})
    seconds, ids = timed(lambda: Partner._cci_refresh_since_last_run(day1))
    results.update(new_facts_seconds=seconds, new_facts_partners=counted(ids, partners),
                   new_facts_rows=NEW_MAILING_SIZE)
    different = Partner._cci_refresh_tracking_fields(None, now=day1)
    results["new_facts_differences"] = len(different)
    log("nightly: a day later with a mailing of %d %.2f s (%d partners), %d differences"
        % (NEW_MAILING_SIZE, seconds, counted(ids, partners), len(different)))
    cr.rollback()
    return results
