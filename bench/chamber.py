"""Generates a chamber at a chosen scale, with set-based SQL, in a database that has the
addons installed: companies and contacts, mailings over three years with Odoo's own tracking
rows (mail.mail.statistics: sent, opened, clicked, bounced, replied), and the other kinds of
interaction. Everything is created in date order, as a live database grows (a mailing's
tracking rows are created when it is sent), so that the backfill writes the solicitations in
date order too. The ledger is then built by the addon's own backfill, which is what an
install on a database with history does, so generating also measures the backfill.
"""
import asyncore
import smtpd
import socket
import threading
import time

from odoo import SUPERUSER_ID, api

BENCH_REF = "cci-bench"
# Expected ledger rows per mail.mail.statistics row (sent + opened + clicked + bounced + replied)
P_OPEN, P_CLICK, P_BOUNCE, P_REPLY = 0.35, 0.10, 0.015, 0.005
FACTS_PER_STAT = 1 + P_OPEN + P_OPEN * P_CLICK + (1 - P_OPEN) * P_BOUNCE + P_REPLY
SHARE_OTHER_KINDS = 0.05  # meetings, leads, events, surveys, activities


def generated(cr):
    cr.execute("SELECT count(*) FROM res_partner WHERE ref = %s", (BENCH_REF,))
    return cr.fetchone()[0]


def generate(env, partners, companies, interactions, mailings, years=3, log=print):
    """Fill the database; returns the timings of the steps (seconds)."""
    cr = env.cr
    timings = {}
    t0 = time.time()
    persons = partners - companies
    cr.execute("SELECT id FROM cci_department ORDER BY id")
    departments = [r[0] for r in cr.fetchall()]
    assert departments, "the bench needs departments (install the addons first)"
    cr.execute(
        """
        INSERT INTO res_partner (name, display_name, is_company, active, email, type, ref,
                                 customer, lang, company_id, opt_out, message_bounce,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'Entreprise ' || g, 'Entreprise ' || g, TRUE, TRUE,
               'contact@entreprise' || g || '.example.com', 'contact', %(ref)s, TRUE,
               'fr_FR', 1, FALSE, 0, now(), now(), 1, 1
          FROM generate_series(1, %(n)s) g
        """,
        {"n": companies, "ref": BENCH_REF},
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id"
               " WHERE ref = %s AND is_company", (BENCH_REF,))
    cr.execute("SELECT min(id) FROM res_partner WHERE ref = %s AND is_company", (BENCH_REF,))
    first_company = cr.fetchone()[0]
    add_contacts(cr, persons, first_company, companies)
    timings["partners"] = time.time() - t0

    t0 = time.time()
    cr.execute("SELECT id FROM ir_model WHERE model = 'res.partner'")
    partner_model = cr.fetchone()[0]
    cr.execute("SELECT column_name FROM information_schema.columns"
               " WHERE table_name = 'mail_mass_mailing'")
    columns = {r[0] for r in cr.fetchall()}
    extra_cols, extra_vals = "", ""
    if "cci_moderation_state" in columns:
        extra_cols += ", cci_moderation_state"
        extra_vals += ", 'approved'"
    if "cci_category_id" in columns:
        extra_cols += ", cci_category_id"
        extra_vals += (", (SELECT id FROM cci_mailing_category ORDER BY id"
                       " OFFSET (g %% 3) LIMIT 1)")
    cr.execute(
        "INSERT INTO utm_source (name, create_date, write_date, create_uid, write_uid)"
        " SELECT 'Lettre ' || g || ' " + BENCH_REF + "', now(), now(), 1, 1"
        " FROM generate_series(1, %(n)s) g RETURNING id",
        {"n": mailings},
    )
    sources = [r[0] for r in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO mail_mass_mailing (source_id, email_from, reply_to_mode, state, active,
            mailing_model_id, mailing_domain, sent_date, cci_department_id, body_html,
            contact_ab_pc, create_date, write_date, create_uid, write_uid{extra_cols})
        SELECT s.id, 'chambre@example.com', 'email', 'done', TRUE, %(model)s, '[]',
               (now() AT TIME ZONE 'UTC')
                   - (%(years)s * 365 * (1 - g::float / %(n)s)) * interval '1 day',
               (%(deps)s::int[])[1 + (g %% %(ndeps)s)], '<p>Bonjour</p>', 100,
               now(), now(), 1, 1{extra_vals}
          FROM unnest(%(sources)s::int[]) WITH ORDINALITY AS s(id, g)
        """.format(extra_cols=extra_cols, extra_vals=extra_vals),
        {"model": partner_model, "years": years, "deps": departments,
         "ndeps": len(departments), "sources": sources, "n": mailings},
    )
    timings["mailings"] = time.time() - t0

    t0 = time.time()
    stats = int(interactions * (1 - SHARE_OTHER_KINDS) / FACTS_PER_STAT)
    per_mailing = max(1, stats // mailings)
    cr.execute("SELECT min(id), max(id) FROM res_partner WHERE ref = %s AND NOT is_company",
               (BENCH_REF,))
    first_person, last_person = cr.fetchone()
    span = last_person - first_person + 1
    cr.execute(
        """
        INSERT INTO mail_mail_statistics (model, res_id, mass_mailing_id, message_id,
                                          scheduled, sent, opened, clicked, bounced, replied,
                                          state)
        SELECT 'res.partner', %(first)s + ((m.rank * 7919 + r * 104729) %% %(span)s),
               m.id, NULL, m.sent_date, m.sent_date,
               CASE WHEN x < %(p_open)s THEN m.sent_date + (x * 100) * interval '1 hour' END,
               CASE WHEN x < %(p_click)s THEN m.sent_date + (x * 120) * interval '1 hour' END,
               CASE WHEN x > 1 - %(p_bounce)s THEN m.sent_date + interval '10 minutes' END,
               CASE WHEN x BETWEEN %(p_open)s - %(p_reply)s AND %(p_open)s
                    THEN m.sent_date + interval '1 day' END,
               'sent'
          FROM (SELECT id, sent_date, row_number() OVER (ORDER BY id) AS rank
                  FROM mail_mass_mailing WHERE source_id = ANY(%(sources)s)) m,
               LATERAL (SELECT r, random() AS x FROM generate_series(1, %(per)s) r) rr
        """,
        {"first": first_person, "span": span, "p_open": P_OPEN,
         "p_click": P_OPEN * P_CLICK, "p_bounce": P_BOUNCE, "p_reply": P_REPLY,
         "sources": sources, "per": per_mailing},
    )
    timings["tracking rows"] = time.time() - t0
    log("generated %d partners, %d mailings, %d tracking rows" % (partners, mailings, stats))

    env["cci.interaction"].invalidate_cache()
    t0 = time.time()
    backfill(env)
    timings["backfill"] = time.time() - t0

    t0 = time.time()
    other = int(interactions * SHARE_OTHER_KINDS)
    cr.execute(
        """
        INSERT INTO cci_interaction (date, kind, partner_id, commercial_partner_id,
            department_id, name, res_model, res_id, is_solicitation,
            source_model, source_id, source_sub_id)
        SELECT (now() AT TIME ZONE 'UTC')
                   - (%(years)s * 365 * (1 - g::float / %(n)s)) * interval '1 day',
               (ARRAY['meeting', 'lead', 'event_registered', 'survey_answered',
                      'activity_done'])[1 + g %% 5],
               p.id, p.commercial_partner_id, (%(deps)s::int[])[1 + (g %% %(ndeps)s)],
               'Rendez-vous ' || g, NULL, NULL, FALSE, %(ref)s, g, 0
          FROM generate_series(1, %(n)s) g
          JOIN res_partner p ON p.id = %(first)s + ((g::bigint * 7919) %% %(span)s)
        """,
        {"years": years, "deps": departments, "ndeps": len(departments), "ref": BENCH_REF,
         "n": other, "first": first_person, "span": span},
    )
    timings["other kinds"] = time.time() - t0
    cr.execute("ANALYZE cci_interaction")
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE mail_mail_statistics")
    return timings


def add_contacts(cr, persons, first_company, companies, offset=0):
    """``persons`` contacts spread over the companies; a few per company, some companies
    much larger (one contact in ten goes to one of the first 50)."""
    cr.execute(
        """
        INSERT INTO res_partner (name, display_name, is_company, active, email, type, ref,
                                 customer, lang, company_id, opt_out, message_bounce,
                                 parent_id, commercial_partner_id,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'Contact ' || g, 'Contact ' || g, FALSE, TRUE,
               'contact' || g || '@entreprise' || c || '.example.com', 'contact', %(ref)s,
               TRUE, 'fr_FR', 1, g %% 97 = 0, 0, c, c, now(), now(), 1, 1
          FROM (SELECT g, %(first)s + (CASE WHEN g %% 10 = 0 THEN g %% 50
                                            ELSE g %% %(companies)s END) AS c
                  FROM generate_series(%(start)s, %(end)s) g) s
        """,
        {"start": offset + 1, "end": offset + persons, "ref": BENCH_REF,
         "first": first_company, "companies": companies},
    )


def backfill(env):
    """The install-time backfill, as post_init_hook runs it."""
    env["cci.interaction"]._backfill()


def environment(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


class _Sink(smtpd.SMTPServer):
    """Counts the mails the sending hands to SMTP."""

    def __init__(self, port):
        super().__init__(("127.0.0.1", port), None, decode_data=False)
        self.port, self.received = port, 0

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        self.received += 1


def smtp_sink():
    """An SMTP sink on a free loopback port, served by a daemon thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = _Sink(port)
    threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.2}, daemon=True).start()
    return sink
