"""Speed of the solicitation quotas (cci_pressure), against the naive way, in one run.

    .venv/bin/python bench/bench_pressure.py DBNAME [--recipients 100000] [--repeat 5]
        [--loop-sample 2000] [--send-sample 2000] [--generate L]

Measures, on a database with both addons installed and a history in the ledger:
- the pressure check of a mailing to --recipients partners on its date (who is over which
  quota, by rule and department: what the send-time exclusion runs), median of --repeat
  runs; and cci_check_pressure as a whole, which adds the suggested date (the same count
  for each of the 90 days after the date);
- the same count done the naive way, a loop over the recipients with one ORM search of the
  ledger per recipient and rule, on --loop-sample recipients (0: all), extrapolated
  linearly to the whole audience (the loop's cost is per recipient);
- the send-time exclusion against Odoo's own sending, on --send-sample recipients: the time of
  get_remaining_recipients (recipients, hygiene, quotas, the held-back rows) and of
  send_mail for the same recipients (one mail per recipient, SMTP to a sink in this process).
Everything runs in one transaction that is rolled back: the database is left as it was.

--generate SCALE fills an empty database first with the chamber generator of `make bench`
(bench/chamber.py; L = 200,000 partners and 10,000,000 interactions).

`make bench` (bench/run.py) calls measure(env, repeat, log) and reads "seconds",
"naive_seconds" and "ratio".
"""
import argparse
import os
import statistics
import sys
import threading
import time
from datetime import timedelta

import chamber

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH_REF = "cci-bench"
DEFAULT_RULES = (
    "cci_pressure.cci_pressure_rule_contact_week",
    "cci_pressure.cci_pressure_rule_contact_month",
    "cci_pressure.cci_pressure_rule_company_month",
)


def _median(fn, repeat):
    times = []
    result = None
    for _i in range(max(1, repeat)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _audience(cr, size):
    """The first ``size`` generated contacts (else any partners with an address): the
    mailing's domain is an id range, as compact as a real segment's."""
    cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", (BENCH_REF,))
    where = "ref = %s AND NOT is_company" if cr.fetchone()[0] else "email IS NOT NULL"
    params = (BENCH_REF,) if "ref" in where else ()
    cr.execute("SELECT id FROM res_partner WHERE active AND " + where
               + " ORDER BY id LIMIT %s", params + (size,))
    ids = [r[0] for r in cr.fetchall()]
    domain = [("id", ">=", ids[0]), ("id", "<=", ids[-1]), ("active", "=", True)]
    domain += [("ref", "=", BENCH_REF), ("is_company", "=", False)] if params else [
        ("email", "!=", False)]
    return ids, domain


def _mailing(env, name, domain, **vals):
    values = {
        "name": name,
        "body_html": "<p>Bonjour, <a href='https://www.example.com/agenda'>agenda</a></p>",
        "mailing_model_id": env.ref("base.model_res_partner").id,
        "mailing_domain": repr(domain),
        "reply_to_mode": "email",
        "reply_to": "chambre@example.com",
        "cci_department_id": env["cci.department"].search([], limit=1).id,
        "cci_category_id": env.ref("cci_pressure.cci_mailing_category_newsletter").id,
    }
    values.update(vals)
    return env["mail.mass_mailing"].create(values)


def naive_count(env, mailing, partner_ids, date):
    """The per-recipient way: for each recipient and each rule, an ORM search of the ledger
    in the rule's window, weights read through the ORM; the planned mailings' recipients are
    computed once, before the loop (in the naive way's favour). Returns the over-quota
    partner ids."""
    from odoo import fields  # pylint: disable=import-outside-toplevel

    Interaction = env["cci.interaction"]
    rules = env["cci.pressure.rule"]._cci_rules_for(mailing.cci_category_id,
                                                     mailing.cci_department_id)
    weight = mailing._cci_pressure_weight()
    longest = timedelta(days=max(rules.mapped("window_days") or [0]))
    planned = []
    for other in env["mail.mass_mailing"].search([
            ("id", "!=", mailing.id), ("cci_moderation_state", "=", "approved"),
            ("state", "in", ("draft", "in_queue")),
            ("schedule_date", ">", str(date - longest)),
            ("schedule_date", "<", str(date + longest))]):
        targets = env["res.partner"].browse(other.get_recipients())
        planned.append((fields.Datetime.from_string(other.schedule_date),
                        other._cci_pressure_weight(), set(targets.ids),
                        set(targets.mapped("commercial_partner_id").ids)))
    over = set()
    for partner in env["res.partner"].browse(partner_ids):
        for rule in rules:
            window = timedelta(days=rule.window_days)
            company = rule.scope == "company"
            key = ("commercial_partner_id", partner.commercial_partner_id.id) if company \
                else ("partner_id", partner.id)
            rows = Interaction.search([
                (key[0], "=", key[1]), ("is_solicitation", "=", True),
                ("date", ">", str(date - window)), ("date", "<=", str(date)),
            ])
            load, seen = 0.0, set()
            for row in rows:
                source = row.mass_mailing_id.id or -row.id
                if source in seen or source == mailing.id:
                    continue
                seen.add(source)
                category = row.mass_mailing_id.cci_category_id
                load += category.weight if category else 1.0
            for when, planned_weight, partners, companies in planned:
                reached = key[1] in (companies if company else partners)
                if reached and abs(when - date) < window:
                    load += planned_weight
            if load + weight > rule.max_weight:
                over.add(partner.id)
                break
    return over


def generate_ledger(env, partners=200000, companies=50000, mailings=2000,
                    interactions=10000000, years=3, log=print):
    """Fill an empty database with a chamber and its ledger, straight in SQL (no tracking
    rows, no backfill: only what the quotas read): companies and contacts, mailings spread
    over ``years`` with the shipped categories and the departments, and ``interactions``
    ledger rows (each mailing reaches its share of the contacts; opens and clicks follow).
    The ledger's indexes are dropped while it is filled and built again after; its rows are
    then put in date order (CLUSTER), as those of a ledger written as things happen."""
    cr = env.cr
    t0 = time.perf_counter()
    cr.execute("SELECT id FROM cci_department ORDER BY id")
    departments = [r[0] for r in cr.fetchall()]
    categories = [env.ref("cci_pressure.cci_mailing_category_%s" % name).id
                  for name in ("newsletter", "invitation", "commercial", "newsletter")]
    cr.execute(
        """
        INSERT INTO res_partner (name, display_name, is_company, active, email, type, ref,
                                 customer, lang, company_id, opt_out, message_bounce,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'Entreprise ' || g, 'Entreprise ' || g, TRUE, TRUE,
               'contact@entreprise' || g || '.example.com', 'contact', %(ref)s, TRUE,
               'fr_FR', 1, FALSE, 0, now(), now(), 1, 1
          FROM generate_series(1, %(n)s) g
        """, {"n": companies, "ref": BENCH_REF})
    cr.execute("UPDATE res_partner SET commercial_partner_id = id"
               " WHERE ref = %s AND is_company", (BENCH_REF,))
    cr.execute("SELECT min(id) FROM res_partner WHERE ref = %s AND is_company", (BENCH_REF,))
    first_company = cr.fetchone()[0]
    cr.execute(
        """
        INSERT INTO res_partner (name, display_name, is_company, active, email, type, ref,
                                 customer, lang, company_id, opt_out, message_bounce,
                                 parent_id, commercial_partner_id,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'Contact ' || g, 'Contact ' || g, FALSE, TRUE,
               'contact' || g || '@entreprise' || c || '.example.com', 'contact', %(ref)s,
               TRUE, 'fr_FR', 1, FALSE, 0, c, c, now(), now(), 1, 1
          FROM (SELECT g, %(first)s + (g %% %(companies)s) AS c
                  FROM generate_series(1, %(n)s) g) s
        """, {"n": partners - companies, "ref": BENCH_REF, "first": first_company,
              "companies": companies})
    cr.execute(
        "INSERT INTO utm_source (name, create_date, write_date, create_uid, write_uid)"
        " SELECT 'Lettre ' || g || ' " + BENCH_REF + "', now(), now(), 1, 1"
        " FROM generate_series(1, %(n)s) g RETURNING id", {"n": mailings})
    sources = [r[0] for r in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO mail_mass_mailing (source_id, email_from, reply_to_mode, state, active,
            mailing_model_id, mailing_domain, sent_date, cci_department_id, cci_category_id,
            cci_moderation_state, body_html, contact_ab_pc, create_date, write_date,
            create_uid, write_uid)
        SELECT s.id, 'chambre@example.com', 'email', 'done', TRUE,
               (SELECT id FROM ir_model WHERE model = 'res.partner'), '[]',
               (now() AT TIME ZONE 'UTC') - (%(years)s * 365 * random()) * interval '1 day',
               (%(deps)s::int[])[1 + (g %% %(ndeps)s)],
               (%(cats)s::int[])[1 + (g %% %(ncats)s)], 'approved', '<p>Bonjour</p>', 100,
               now(), now(), 1, 1
          FROM unnest(%(sources)s::int[]) WITH ORDINALITY AS s(id, g)
        """, {"years": years, "deps": departments, "ndeps": len(departments),
              "cats": categories, "ncats": len(categories), "sources": sources})
    log("generated %d partners and %d mailings in %.0f s"
        % (partners, mailings, time.perf_counter() - t0))

    t0 = time.perf_counter()
    cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cci_interaction'"
               " AND indexname <> 'cci_interaction_pkey'")
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute('DROP INDEX "%s"' % name)
    cr.execute("SELECT min(id), max(id) FROM res_partner WHERE ref = %s AND NOT is_company",
                (BENCH_REF,))
    first, last = cr.fetchone()
    per_mailing = max(1, int(interactions / 1.39 / mailings))  # sent + 35 % opened + 4 % clicked
    cr.execute(
        """
        INSERT INTO cci_interaction (date, kind, partner_id, commercial_partner_id,
            department_id, user_id, name, res_model, res_id, mass_mailing_id, is_solicitation,
            source_model, source_id, source_sub_id)
        SELECT m.sent_date + k.delay * interval '1 hour', k.kind, p.id, p.commercial_partner_id,
               m.cci_department_id, 1, 'Lettre ' || m.rank, 'mail.mass_mailing', m.id, m.id,
               k.kind = 'mailing_sent', %(ref)s, m.rank * 100000 + r, 0
          FROM (SELECT id, sent_date, cci_department_id,
                       row_number() OVER (ORDER BY id) AS rank
                  FROM mail_mass_mailing WHERE source_id = ANY(%(sources)s)) m
          CROSS JOIN generate_series(1, %(per)s) r
          JOIN res_partner p ON p.id = %(first)s + ((m.rank * 7919 + r * 104729) %% %(span)s)
          CROSS JOIN LATERAL (
                SELECT 'mailing_sent'::varchar AS kind, 0 AS delay
                UNION ALL SELECT 'mailing_opened', 5 WHERE r %% 20 < 7
                UNION ALL SELECT 'mailing_clicked', 6 WHERE r %% 100 < 4) k
        """, {"ref": BENCH_REF, "sources": sources, "per": per_mailing, "first": first,
              "span": last - first + 1})
    rows = cr.rowcount
    log("inserted %d ledger rows in %.0f s" % (rows, time.perf_counter() - t0))
    t0 = time.perf_counter()
    for _name, definition in indexes:
        cr.execute(definition)
    # a live ledger is written as things happen: its rows lie in date order
    cr.execute("CLUSTER cci_interaction USING cci_interaction_date_index")
    cr.execute("ANALYZE cci_interaction")
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE mail_mass_mailing")
    log("rebuilt %d indexes in %.0f s" % (len(indexes), time.perf_counter() - t0))
    env["res.partner"].invalidate_cache()
    return rows


def measure(env, repeat=5, log=print, recipients=100000, loop_sample=2000, send_sample=2000,
            planned=3, planned_size=10000):
    """All the figures, as a plain dict; the caller rolls the transaction back.

    The scenario: a newsletter to ``recipients`` contacts, checked for tomorrow, while
    ``planned`` approved mailings of ``planned_size`` contacts each (segments of the same
    audience) are planned in the next three weeks. The approved, unsent mailings already in
    the database (the demo planning, which targets every generated contact) are put back to
    draft for the run, so that the scenario is the one described.
    """
    from odoo import fields  # pylint: disable=import-outside-toplevel

    cr = env.cr
    for xmlid in DEFAULT_RULES:
        env.ref(xmlid).active = True
    cr.execute("UPDATE mail_mass_mailing SET state = 'draft', cci_moderation_state = 'draft'"
               " WHERE state IN ('in_queue', 'sending') OR (state = 'draft' AND"
               " cci_moderation_state = 'approved')")
    env["mail.mass_mailing"].invalidate_cache()
    ids, domain = _audience(cr, recipients)
    cr.execute("SELECT count(*) FROM cci_interaction")
    ledger_rows = cr.fetchone()[0]
    log("pressure: %d recipients, %d ledger rows" % (len(ids), ledger_rows))
    now = fields.Datetime.from_string(fields.Datetime.now())
    step = max(1, (len(ids) - planned_size) // max(1, planned))
    for n in range(planned):
        part = ids[n * step:n * step + planned_size] or ids
        _mailing(env, "Bench planned %d" % n,
                 [("id", ">=", part[0]), ("id", "<=", part[-1])] + domain[2:],
                 cci_moderation_state="approved", state="in_queue",
                 schedule_date=fields.Datetime.to_string(now + timedelta(days=3 + 8 * n)))
    mailing = _mailing(env, "Bench pressure", domain)
    date = now + timedelta(days=1)
    date_str = fields.Datetime.to_string(date)
    cr.execute("ANALYZE cci_interaction")
    day_s, run = _median(lambda: mailing.sudo()._cci_pressure_run(date, 0, sending=True),
                         repeat)
    log("pressure: the check on the date %.3f s (%d over quota of %d)"
        % (day_s, len(run["over"]), run["total"]))
    full_s, result = _median(lambda: mailing.cci_check_pressure(date=date_str), repeat)
    log("pressure: cci_check_pressure with the 90-day suggestion %.3f s (suggested %s, %s "
        "over then)" % (full_s, result["suggested_date"], result["suggested_over_quota"]))

    sample = ids if not loop_sample or loop_sample >= len(ids) else ids[:loop_sample]
    t0 = time.perf_counter()
    naive_over = naive_count(env, mailing, sample, date)
    loop_s = time.perf_counter() - t0
    naive_s = loop_s * len(ids) / len(sample)
    # the same answer on the sample: the SQL's over-quota recipients among the sampled ones
    sampled = set(sample)
    agree = {r for r in run["over"] if r in sampled} == naive_over
    log("pressure: naive loop %.2f s for %d recipients -> %.1f s for %d (x%.0f); same answer: %s"
        % (loop_s, len(sample), naive_s, len(ids), naive_s / day_s, agree))

    exclusion = None
    if send_sample:  # make bench measures the send-time exclusion on its own
        exclusion = measure_exclusion(env, ids[:send_sample], domain, repeat, log)
    channels = measure_channels(env, mailing, date, repeat, log)
    cr.execute("SELECT current_setting('jit'), version()")
    jit, version = cr.fetchone()
    return {
        "seconds": day_s,
        "with_suggestion_seconds": full_s,
        "naive_seconds": naive_s,
        "naive_sample": len(sample),
        "naive_sample_seconds": loop_s,
        "ratio": naive_s / day_s if day_s else None,
        "same_answer_on_sample": agree,
        "recipients": len(ids),
        "over_quota": result["over_quota"],
        "suggested_date": result["suggested_date"],
        "suggested_over_quota": result["suggested_over_quota"],
        "planned_mailings": planned,
        "ledger_rows": ledger_rows,
        "server_jit": jit,
        "postgresql": version.split(" on ")[0],
        "load_average": os.getloadavg(),
        "exclusion": exclusion,
        "channels": channels,
    }


def measure_channels(env, mailing, date, repeat, log):
    """The same checks once the generated meetings, done activities and event
    registrations count as solicitations (issue 16), as the channels make them count."""
    from odoo import fields  # pylint: disable=import-outside-toplevel

    cr = env.cr
    category = env["cci.mailing.category"].search([("weight", ">", 0)], order="weight",
                                                  limit=1)
    cr.execute("UPDATE cci_interaction SET is_solicitation = TRUE, cci_category_id = %s"
               " WHERE source_model = %s"
               " AND kind IN ('meeting', 'activity_done', 'event_registered')",
               (category.id, chamber.BENCH_REF))
    rows = cr.rowcount
    cr.execute("ANALYZE cci_interaction")
    day_s, run = _median(lambda: mailing.sudo()._cci_pressure_run(date, 0, sending=True),
                         repeat)
    full_s, result = _median(
        lambda: mailing.cci_check_pressure(date=fields.Datetime.to_string(date)), repeat)
    log("pressure with %d meetings, activities and registrations as solicitations: on the"
        " date %.3f s (%d over quota), with the suggestion %.3f s"
        % (rows, day_s, len(run["over"]), full_s))
    return {"rows": rows, "seconds": day_s, "with_suggestion_seconds": full_s,
            "over_quota": result["over_quota"]}


def measure_exclusion(env, ids, domain, repeat, log):
    """get_remaining_recipients (with the quotas) against send_mail, same recipients."""
    sink = chamber.smtp_sink()
    thread = threading.currentThread()
    testing = getattr(thread, "testing", False)
    thread.testing = True  # Odoo then commits nothing in the middle of the sending
    try:
        env["ir.mail_server"].search([]).write(
            {"smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_encryption": "none"})
        mailing = _mailing(env, "Bench send", [("id", "in", ids)],
                           cci_moderation_state="approved", state="in_queue")
        exclusion_s, remaining = _median(mailing.get_remaining_recipients, repeat)
        pressure_s, _r = _median(
            lambda: mailing._cci_pressure_exclusions(mailing._cci_recipients(ids)), repeat)
        t0 = time.perf_counter()
        if remaining:  # everybody may be over quota on a small, dense history
            mailing.send_mail(res_ids=remaining)
        send_s = time.perf_counter() - t0
    finally:
        thread.testing = testing
        sink.close()
    ratio = pressure_s / send_s if send_s else None
    log("exclusion: %d recipients, quota check %.3f s, whole filter %.3f s, sending %d mails "
        "%.2f s: the quotas add %.1f %%" % (len(ids), pressure_s, exclusion_s, len(remaining),
                                            send_s, 100 * (ratio or 0)))
    return {"recipients": len(ids), "seconds": pressure_s, "filter_seconds": exclusion_s,
            "send_seconds": send_s, "sent": len(remaining), "smtp_received": sink.received,
            "ratio": ratio}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db")
    parser.add_argument("--recipients", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--loop-sample", type=int, default=2000)
    parser.add_argument("--send-sample", type=int, default=2000)
    parser.add_argument("--generate", metavar="SCALE",
                        help="fill the database first with bench/chamber.py (smoke, S, M, L)")
    parser.add_argument("--generate-ledger", metavar="ROWS", type=int,
                        help="fill the database first with ROWS ledger rows straight in SQL "
                             "(200,000 partners, 2,000 mailings; much faster than a backfill)")
    args = parser.parse_args()
    os.environ.setdefault("TZ", "UTC")
    sys.path.insert(0, HERE)
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo.tools import config  # pylint: disable=import-outside-toplevel

    config.parse_config([
        "--addons-path=%s" % os.path.join(ROOT, "addons"), "--db_host=127.0.0.1",
        "--db_port=%s" % os.environ.get("CCI_PGPORT", "54329"), "--db_user=odoo",
        "--db_password=odoo", "--log-level=warn",
    ])
    with odoo.api.Environment.manage():
        registry = odoo.registry(args.db)
        if args.generate:
            import chamber  # pylint: disable=import-outside-toplevel
            from run import SCALES  # pylint: disable=import-outside-toplevel

            with registry.cursor() as cr:
                if not chamber.generated(cr):
                    env = chamber.environment(cr)
                    chamber.generate(env, *SCALES[args.generate], log=print)
                    cr.commit()
        if args.generate_ledger:
            with registry.cursor() as cr:
                cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", (BENCH_REF,))
                if not cr.fetchone()[0]:
                    generate_ledger(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}),
                                    interactions=args.generate_ledger)
                    cr.commit()
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            figures = measure(env, repeat=args.repeat, recipients=args.recipients,
                              loop_sample=args.loop_sample, send_sample=args.send_sample)
            cr.rollback()
    print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
