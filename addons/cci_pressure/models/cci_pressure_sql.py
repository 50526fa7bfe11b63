"""The statements of the quota engine (``cci_pressure_engine.py``), named.

Values always go as ``%(name)s`` parameters. Where a statement is made of pieces (a scope
present or not, a table chosen by the mailing), it is a ``psycopg2.sql`` template whose
``{pieces}`` are ``sql.SQL`` fragments or ``sql.Identifier`` names; ``render`` turns it
into the text Odoo's cursor executes.

A quota counts, for a key (a contact, or a company with scope company) and a day (the
date + that many days): the ledger's rows with ``first_day <= day <= first_day + window -
1``, and the planned mailings whose days [lo, hi] contain it. All weights are whole
hundredths (see ``cents``), added exactly and faster than decimals.
"""
import re

from psycopg2 import sql

from odoo.addons.cci_marketing.odoo11 import MAILING_TABLE
from odoo.addons.cci_marketing.tools import render  # noqa: F401 pylint: disable=unused-import

# ``render`` above: the engine calls it as ``q.render``.


def named(text, params, prefix):
    """(text, {name: value}): Odoo's positional ``%s`` of ``text`` (from a domain's query)
    made ``%(prefix_n)s``, so that the text can join statements with named parameters."""
    names = []

    def name(match):
        if match.group(0) == "%%":
            return "%%"
        names.append("%s_%d" % (prefix, len(names)))
        return "%%(%s)s" % names[-1]

    text = re.sub(r"%[%s]", name, text)
    return text, dict(zip(names, params))


# The evaluation's working tables, dropped at the end of the transaction:
#   cci_pressure_audience  the recipients checked
#   cci_pressure_hist      the ledger's solicitations of the audience's contacts (company
#                          FALSE, key = contact) and companies (company TRUE, key = company;
#                          one row per mailing); it counts on days first_day to
#                          first_day + window - 1
#   cci_pressure_plan      the planned mailings reaching a key of the audience
#   cci_pressure_heavy     the (rule, key) whose whole load exceeds the rule's limit: the only
#                          ones that can be over on some day; ``planned`` when planned
#                          mailings count in it
#   cci_pressure_over      per rule and key, the days [from_day, until_day) it is over quota;
#                          the recipients are joined to their keys only to count them; its
#                          keys are the audience's, but for the check on the date of a large
#                          audience (WINDOW_WHOLE), which only OVER_NOW reads
TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_audience ("
    " res_id integer, partner_id integer, company_id integer, no_solicit date) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_hist (company boolean, key integer,"
    " first_day integer, weight integer, category_id integer, department_id integer)"
    " ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_plan (company boolean, key integer,"
    " mass_mailing_id integer) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_heavy (rule_id integer, company boolean,"
    " key integer, planned boolean) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_over (rule_id integer, company boolean,"
    " key integer, from_day integer, until_day integer) ON COMMIT DROP",
)
EMPTY_TABLES = ("TRUNCATE cci_pressure_audience, cci_pressure_hist, cci_pressure_plan,"
                " cci_pressure_heavy, cci_pressure_over")

# ----------------------------------------------------------------------
# The audience
# ----------------------------------------------------------------------

# {source} selects (res_id, partner_id, company_id, no_solicit).
LOAD_AUDIENCE = sql.SQL(
    "INSERT INTO cci_pressure_audience (res_id, partner_id, company_id, no_solicit) {source}")
AUDIENCE_SIZE = "SELECT count(*) FROM cci_pressure_audience"
ANALYZE_AUDIENCE = "ANALYZE cci_pressure_audience"
AUDIENCE_IDS = "SELECT res_id FROM cci_pressure_audience"
# Given recipients: (res_id, partner_id) as two arrays.
RECIPIENTS = """
    SELECT given.res_id, partner.id, partner.commercial_partner_id, partner.cci_no_solicit_until
      FROM unnest(%(res)s::int[], %(partners)s::int[]) AS given(res_id, partner_id)
      LEFT JOIN res_partner partner ON partner.id = given.partner_id
"""
# A mailing's targets when they are partners: {table} is "res_partner".
TARGETS_PARTNERS = sql.SQL("""
    SELECT {table}.id, {table}.id, {table}.commercial_partner_id, {table}.cci_no_solicit_until
      FROM {from_} WHERE {where}
""")
# Other targets: the contact, else the oldest active partner with the target's address
# (looked up only for the targets without a contact, and once each: a join on
# COALESCE(contact, lookup) would run the lookup twice per row, for the hash and the check).
TARGETS_OTHERS = sql.SQL("""
    SELECT {table}.id, partner.id, partner.commercial_partner_id, partner.cci_no_solicit_until
      FROM {from_}
      LEFT JOIN LATERAL {partner_by_email} byemail ON TRUE
      LEFT JOIN res_partner partner ON partner.id = COALESCE({partner}, byemail.id)
     WHERE {where}
""")
# The targets picked by id (an A/B test's sample).
TARGETS_BY_ID = sql.SQL("{table}.id = ANY(%({ids})s::int[])")
# The targets of a domain that reads other tables than the targets' own.
TARGETS_JOINED = sql.SQL("{table}.id IN (SELECT {table}.id FROM {from_} WHERE {where})")

# ----------------------------------------------------------------------
# The planned mailings
# ----------------------------------------------------------------------

# The approved mailings not sent yet, and those being sent, whose date falls where it can
# count (each at its schedule, at now once it started); when this mailing leaves now
# (``sending``), not those that are due too but have not started: they compete with it,
# and whichever leaves first is in the ledger when the other is checked.
PLANNED_MAILINGS = sql.SQL("""
    SELECT id, at, started FROM (
        SELECT mailing.id, progress.started,
               CASE WHEN progress.started THEN %(now)s::timestamp
                    ELSE greatest(COALESCE(mailing.schedule_date, %(now)s::timestamp),
                                  %(now)s::timestamp) END AS at
          FROM {mailing_table} mailing,
               LATERAL (SELECT mailing.state = 'sending' OR EXISTS (
                            SELECT 1 FROM cci_interaction done
                             WHERE done.mass_mailing_id = mailing.id
                               AND done.kind IN ('mailing_sent', 'mailing_excluded'))
                        AS started) progress
         WHERE mailing.id <> %(self)s AND mailing.active
           AND (mailing.state = 'sending' OR (mailing.cci_moderation_state = 'approved'
                                              AND mailing.state IN ('draft', 'in_queue')))
    ) planned
     WHERE at > %(start)s AND at < %(end)s
       AND (started OR at > %(now)s OR NOT %(sending)s)
     ORDER BY id
""").format(mailing_table=sql.Identifier(MAILING_TABLE))
# The contacts a planned mailing reaches ({targets}, numbered {n}), leaving out, once it
# started, those it already reached or held back (they are in the ledger).
PLAN_TARGETS = sql.SQL("""
    SELECT DISTINCT %({mailing})s::int AS mailing_id, target.partner_id, target.company_id
      FROM ({targets}) target(res_id, partner_id, company_id, no_solicit)
     WHERE target.partner_id IS NOT NULL AND (NOT %({started})s OR NOT EXISTS (
           SELECT 1 FROM cci_interaction done
            WHERE done.mass_mailing_id = %({mailing})s AND done.partner_id = target.partner_id
              AND done.kind IN ('mailing_sent', 'mailing_excluded')))
""")
# The keys of the audience that the planned mailings ({targets}, a UNION ALL) reach.
ADD_PLANS = sql.SQL("""
    INSERT INTO cci_pressure_plan (company, key, mass_mailing_id)
    WITH reached AS MATERIALIZED ({targets})
    SELECT FALSE, partner_id, mailing_id FROM reached
     WHERE partner_id IN (SELECT partner_id FROM cci_pressure_audience)
    UNION ALL
    SELECT DISTINCT TRUE, company_id, mailing_id FROM reached
     WHERE company_id IN (SELECT company_id FROM cci_pressure_audience)
""")

# ----------------------------------------------------------------------
# The ledger's window
# ----------------------------------------------------------------------

# Each mailing's weight in hundredths (a row without a mailing, or of a mailing without a
# category, weighs 1) and category.
MAILING_WEIGHTS = sql.SQL("""
    mailing_weights AS (
        SELECT mailing.id, round(COALESCE(category.weight, 1.0) * 100)::int AS weight,
               mailing.cci_category_id AS category_id
          FROM {mailing_table} mailing
          LEFT JOIN cci_mailing_category category ON category.id = mailing.cci_category_id
    )""").format(mailing_table=sql.Identifier(MAILING_TABLE))
# The solicitations in the longest window before the date, from the ledger rows that
# {source} gives as ``row_``; ``first_day``, the first day (date + first_day days) after the
# row, so that it counts on the days first_day to first_day + window - 1. A row of another
# channel (a call, a meeting: see cci.solicitation.channel) weighs its own category.
WINDOW_ROWS = sql.SQL("""
        SELECT row_.id, row_.partner_id, row_.commercial_partner_id, row_.mass_mailing_id,
               row_.department_id,
               ceil(date_part('epoch', row_.date - %(d0)s::timestamp) / 86400)::int
                   AS first_day,
               COALESCE(mailing_weights.weight, round(channel.weight * 100)::int, 100)
                   AS weight,
               COALESCE(mailing_weights.category_id, row_.cci_category_id) AS cci_category_id
          FROM {source}
          LEFT JOIN mailing_weights ON mailing_weights.id = row_.mass_mailing_id
          LEFT JOIN cci_mailing_category channel ON channel.id = row_.cci_category_id
         WHERE row_.is_solicitation AND row_.date > %(start)s AND row_.date <= %(d0)s
           AND row_.mass_mailing_id IS DISTINCT FROM %(exclude)s
           AND COALESCE(mailing_weights.weight, round(channel.weight * 100)::int, 100) > 0
""")
# The window of the contacts and companies of {audience} (partner_id, company_id): in one
# pass over the window for a large audience, through the partial indexes of each contact
# and company for a small one.
WINDOW_ONE_PASS = sql.SQL("""
    {weights},
    window_rows AS MATERIALIZED ({rows}),
    window_contacts AS (
        SELECT * FROM window_rows WHERE partner_id IN (SELECT partner_id FROM {audience})
    ),
    window_companies AS (
        SELECT * FROM window_rows
         WHERE commercial_partner_id IN (SELECT company_id FROM {audience})
    )
""")
# The same, not narrowed to the audience: for an audience of most of the chamber, whose
# keys are most of the window's, counting the others' too costs less than leaving them
# out; only a statement that joins its result to the audience may read it.
WINDOW_WHOLE = sql.SQL("""
    {weights},
    window_rows AS MATERIALIZED ({rows}),
    window_contacts AS (SELECT * FROM window_rows),
    window_companies AS (SELECT * FROM window_rows)
""")
# The partners in the database, as PostgreSQL's statistics estimate them (-1: unknown).
PARTNERS_ESTIMATE = "SELECT reltuples FROM pg_class WHERE oid = 'res_partner'::regclass"
WINDOW_PER_KEY = sql.SQL("""
    {weights},
    window_contacts AS ({contacts}),
    window_companies AS ({companies})
""")
WINDOW_CONTACTS_SOURCE = sql.SQL(
    "(SELECT DISTINCT partner_id FROM {audience} WHERE partner_id IS NOT NULL) audience"
    " JOIN cci_interaction row_ ON row_.partner_id = audience.partner_id")
WINDOW_COMPANIES_SOURCE = sql.SQL(
    "(SELECT DISTINCT company_id FROM {audience} WHERE company_id IS NOT NULL) audience"
    " JOIN cci_interaction row_ ON row_.commercial_partner_id = audience.company_id")
# The history of each scope, as {name} AS (...), after the window: the contacts, one row
# per mail they received; the companies, one row per mailing that reached any of their
# contacts.
HISTORY = {
    "contact": (sql.Identifier("history_contacts"), sql.SQL("""
        SELECT FALSE AS company, partner_id AS key, first_day, weight,
               cci_category_id AS category_id, department_id
          FROM window_contacts
    """), sql.SQL("NOT company")),
    "company": (sql.Identifier("history_companies"), sql.SQL("""
        SELECT TRUE AS company, commercial_partner_id AS key, max(first_day) AS first_day,
               max(weight) AS weight, min(cci_category_id) AS category_id,
               min(department_id) AS department_id
          FROM window_companies
         GROUP BY commercial_partner_id, COALESCE(mass_mailing_id, -id)
    """), sql.SQL("company")),
}
HISTORY_PART = sql.SQL(", {name} AS {materialized}({query})")
# The rules: window, maximum and the limit left once this mailing's weight is added.
RULES = """
    rules AS (
        SELECT id, window_days, max_cents, max_cents - %(weight)s::int AS limit_cents,
               company, any_category, any_department
          FROM unnest(%(rule_ids)s::int[], %(windows)s::int[], %(maxes)s::int[],
                      %(companies)s::bool[], %(any_categories)s::bool[],
                      %(any_departments)s::bool[])
               AS rules(id, window_days, max_cents, company, any_category, any_department)
    )"""
# The planned mailings' days per rule (see CciPressureEngine._planned_days).
PLANNED_DAYS = """
    planned_days AS (
        SELECT * FROM unnest(%(planned_rules)s::int[], %(planned_mailings)s::int[],
                             %(planned_los)s::int[], %(planned_his)s::int[],
                             %(planned_weights)s::int[], %(planned_departments)s::int[])
               AS planned_days(rule_id, mailing_id, lo, hi, weight, department_id)
    )"""
RULES_CTE = "WITH " + RULES + "," + PLANNED_DAYS
# A history row ``hist`` counts for a rule of ``rules`` if the rule has no categories
# (departments) or has the row's.
FILTERS = """(rules.any_category OR EXISTS (
                 SELECT 1 FROM cci_pressure_rule_category_rel rule_category
                  WHERE rule_category.rule_id = rules.id
                    AND rule_category.category_id = hist.category_id))
             AND (rules.any_department OR EXISTS (
                 SELECT 1 FROM cci_pressure_rule_department_rel rule_department
                  WHERE rule_department.rule_id = rules.id
                    AND rule_department.department_id = hist.department_id))"""

# ----------------------------------------------------------------------
# The loads: which (rule, key) exceed their limit
# ----------------------------------------------------------------------

# Per key of {history} (and of cci_pressure_plan), the rules over which its load is
# ({checks}, CASE WHEN load > limit THEN rule id END) and those in which planned mailings
# count ({planned}): one pass per scope, one sum per rule and key; only the keys over some
# rule ({over}, the loads' tests OR-ed, whose sums PostgreSQL computes once), most keys
# being under all of them.
LOAD_CHECKS = sql.SQL("""
    SELECT {company} AS company, key,
           array_remove(ARRAY[{checks}], NULL) AS rule_ids,
           array_remove(ARRAY[{planned}]::int[], NULL) AS planned_ids
      FROM ({rows}) loads GROUP BY key HAVING {over}
""")
LOAD_ROWS = sql.SQL("SELECT key, first_day, weight, category_id, department_id{columns}"
                    " FROM {history}")
# The planned mailings' weights ({values}: (mailing, weight for each rule)) on the keys
# they reach.
LOAD_PLANNED_ROWS = sql.SQL("""
    UNION ALL
    SELECT plan.key, NULL, NULL, NULL, NULL, {weights}
      FROM cci_pressure_plan plan
      JOIN (VALUES {values}) AS planned_weights(mailing_id, {names})
        ON planned_weights.mailing_id = plan.mass_mailing_id
     WHERE plan.company = {company}
""")
LOAD_OVER = sql.SQL("{load} > %({limit})s::int")
LOAD_CHECK = sql.SQL("CASE WHEN {over} THEN %({rule})s::int END")
LOAD_SUM = sql.SQL("COALESCE(sum(weight) FILTER (WHERE {filters}), 0)")
LOAD_IN_WINDOW = sql.SQL("first_day > %({window})s::int")
LOAD_CATEGORY = sql.SQL("category_id = ANY(%({ids})s)")
LOAD_DEPARTMENT = sql.SQL("department_id = ANY(%({ids})s)")

# The keys that can be over on some day: their history in cci_pressure_hist (of the scopes
# in {kept}), the (rule, key) in cci_pressure_heavy, and the planned mailings of the
# others taken out of cci_pressure_plan.
KEEP_HEAVY = sql.SQL("""
    WITH {window}{history},
    relevant AS MATERIALIZED (
        SELECT company, key, rule_ids, planned_ids FROM ({checks}) checked
         WHERE rule_ids <> '{{}}'
    ),
    heavy AS (
        INSERT INTO cci_pressure_heavy (rule_id, company, key, planned)
        SELECT heavy_rule.rule_id, company, key, heavy_rule.rule_id = ANY(planned_ids)
          FROM relevant, unnest(rule_ids) heavy_rule(rule_id)
    ),
    dropped AS (
        DELETE FROM cci_pressure_plan plan
         WHERE NOT EXISTS (SELECT 1 FROM relevant
                            WHERE relevant.company = plan.company AND relevant.key = plan.key)
    )
    INSERT INTO cci_pressure_hist (company, key, first_day, weight, category_id, department_id)
    {kept}
""")
KEEP_SCOPE = sql.SQL(
    "SELECT * FROM {name} WHERE key IN (SELECT key FROM relevant WHERE {company})")
ANALYZE_HEAVY = "ANALYZE cci_pressure_hist, cci_pressure_plan, cci_pressure_heavy"

# The (rule, key) over quota on the date itself, straight from the window: what the sending
# needs, and nothing else.
OVER_ON_DATE = sql.SQL("""
    WITH {window}{history}
    INSERT INTO cci_pressure_over (rule_id, company, key, from_day, until_day)
    SELECT unnest(rule_ids), company, key, 0, 1 FROM ({checks}) checked
""")

# A contact who asked for peace until a date is over on every day before it.
NO_SOLICIT = """
    INSERT INTO cci_pressure_over (rule_id, company, key, from_day, until_day)
    SELECT %(rule)s, FALSE, partner_id, 0,
           least(ceil(date_part('epoch', max(no_solicit)::timestamp - %(d0)s::timestamp)
                      / 86400)::int, %(horizon)s + 1)
      FROM cci_pressure_audience
     WHERE no_solicit IS NOT NULL AND no_solicit::timestamp > %(d0)s::timestamp
     GROUP BY partner_id
"""

# The days 0 to the horizon when each (rule, key) of cci_pressure_heavy is over. With no
# planned mailing, what counts only ends as the days pass: over from the date until the
# last end after which the rest still exceeds the limit. Otherwise the starts and ends of
# what counts, summed in day order, give the load of each stretch of days (the history all
# counts from day 0: one start per key, its rows' weights summed).
SWEEP = RULES_CTE + """,
    heavy_rows AS (
        SELECT heavy.rule_id, hist.company, hist.key, heavy.planned,
               least(hist.first_day + rules.window_days - 1, %(horizon)s) AS hi, hist.weight
          FROM cci_pressure_hist hist
          JOIN cci_pressure_heavy heavy ON heavy.company = hist.company AND heavy.key = hist.key
          JOIN rules ON rules.id = heavy.rule_id AND hist.first_day > -rules.window_days
                    AND """ + FILTERS + """
    ),
    ends AS (
        SELECT rule_id, company, key, hi,
               sum(weight) OVER (PARTITION BY rule_id, company, key ORDER BY hi DESC) AS load
          FROM heavy_rows WHERE NOT planned
    ),
    points AS (
        SELECT rule_id, company, key, from_day, sum(delta)::int AS delta FROM (
            SELECT rule_id, company, key, 0 AS from_day, sum(weight) AS delta
              FROM heavy_rows WHERE planned GROUP BY 1, 2, 3
            UNION ALL
            SELECT rule_id, company, key, hi + 1, -weight FROM heavy_rows WHERE planned
            UNION ALL
            SELECT planned_days.rule_id, plan.company, plan.key, step.from_day, step.delta
              FROM cci_pressure_plan plan
              JOIN planned_days ON planned_days.mailing_id = plan.mass_mailing_id
              JOIN cci_pressure_heavy heavy ON heavy.rule_id = planned_days.rule_id
                                           AND heavy.company = plan.company
                                           AND heavy.key = plan.key,
                   LATERAL (VALUES (planned_days.lo, planned_days.weight),
                                   (planned_days.hi + 1, -planned_days.weight))
                       step(from_day, delta)
        ) steps GROUP BY 1, 2, 3, 4
    ),
    stretches AS (
        SELECT rule_id, company, key, from_day,
               lead(from_day, 1, %(horizon)s + 1) OVER key_days AS until_day,
               sum(delta) OVER key_days AS load
          FROM points WINDOW key_days AS (PARTITION BY rule_id, company, key ORDER BY from_day)
    )
    INSERT INTO cci_pressure_over (rule_id, company, key, from_day, until_day)
    SELECT ends.rule_id, ends.company, ends.key, 0, max(ends.hi) + 1
      FROM ends JOIN rules ON rules.id = ends.rule_id
     WHERE ends.load > rules.limit_cents
     GROUP BY ends.rule_id, ends.company, ends.key
    UNION ALL
    SELECT stretches.rule_id, stretches.company, stretches.key, stretches.from_day,
           stretches.until_day
      FROM stretches JOIN rules ON rules.id = stretches.rule_id
     WHERE stretches.load > rules.limit_cents AND stretches.from_day <= %(horizon)s
"""

# ----------------------------------------------------------------------
# Reading the evaluation
# ----------------------------------------------------------------------

# The recipients over on day 0, per rule: (res_id, rule_id).
HITS = """
    SELECT audience.res_id, stretch.rule_id
      FROM cci_pressure_over stretch JOIN cci_pressure_audience audience
        ON audience.partner_id = stretch.key
     WHERE stretch.from_day = 0 AND NOT stretch.company
    UNION ALL
    SELECT audience.res_id, stretch.rule_id
      FROM cci_pressure_over stretch JOIN cci_pressure_audience audience
        ON audience.company_id = stretch.key
     WHERE stretch.from_day = 0 AND stretch.company
"""
# The recipients over on day 0, as (their contact's rules, their company's, the recipients
# over exactly these): a few rows of long arrays, which the driver reads several times
# faster than a row per recipient; the audience is read once, joined to its keys over.
KEY_RULES = """(SELECT key, array_agg(rule_id ORDER BY rule_id) AS rule_ids
                 FROM cci_pressure_over WHERE from_day = 0 AND {}company GROUP BY key)"""
OVER_NOW = """
    SELECT contact.rule_ids, company.rule_ids, array_agg(audience.res_id)
      FROM cci_pressure_audience audience
      LEFT JOIN """ + KEY_RULES.format("NOT ") + """ contact ON contact.key = audience.partner_id
      LEFT JOIN """ + KEY_RULES.format("") + """ company ON company.key = audience.company_id
     WHERE contact.key IS NOT NULL OR company.key IS NOT NULL
     GROUP BY 1, 2
"""
COUNTS = ("SELECT rule_id, count(DISTINCT res_id) FROM (" + HITS + ") hits"
          " GROUP BY GROUPING SETS ((rule_id), ())")
NO_SOLICIT_DATES = ("SELECT res_id, no_solicit FROM cci_pressure_audience"
                    " WHERE res_id = ANY(%(res_ids)s) AND no_solicit IS NOT NULL")

# Per department (or NULL), the recipients over on day 0 for whom that department's
# solicitations (sent or planned) count in a quota they exceed: those of the companies
# where it does, counted per company, and the others whose own contact it is (department 0
# stands for none, so that the departments compare as plain integers).
BY_DEPARTMENT = RULES_CTE + """,
    over_on_date AS (
        SELECT rule_id, company, key FROM cci_pressure_over
         WHERE from_day = 0 AND rule_id <> %(no_solicit)s
    ),
    departments AS (
        SELECT COALESCE(hist.department_id, 0) AS department_id, hist.company, hist.key
          FROM cci_pressure_hist hist
         WHERE EXISTS (SELECT 1 FROM over_on_date JOIN rules ON rules.id = over_on_date.rule_id
                        WHERE over_on_date.company = hist.company
                          AND over_on_date.key = hist.key
                          AND hist.first_day > -rules.window_days AND """ + FILTERS + """)
        UNION
        SELECT COALESCE(planned_days.department_id, 0), over_on_date.company, over_on_date.key
          FROM over_on_date
          JOIN cci_pressure_plan plan ON plan.company = over_on_date.company
                                     AND plan.key = over_on_date.key
          JOIN planned_days ON planned_days.mailing_id = plan.mass_mailing_id
                           AND planned_days.rule_id = over_on_date.rule_id
                           AND planned_days.lo = 0
    ),
    by_company AS (
        SELECT company_id, count(*) AS recipients FROM cci_pressure_audience
         WHERE company_id IS NOT NULL GROUP BY company_id
    )
    SELECT NULLIF(department_id, 0), sum(recipients)::int FROM (
        SELECT departments.department_id, by_company.recipients
          FROM departments JOIN by_company ON by_company.company_id = departments.key
         WHERE departments.company
        UNION ALL
        SELECT departments.department_id, 1
          FROM departments JOIN cci_pressure_audience audience
            ON audience.partner_id = departments.key
         WHERE NOT departments.company
           AND (departments.department_id, COALESCE(audience.company_id, 0)) NOT IN (
               SELECT department_id, key FROM departments WHERE company)
    ) counted GROUP BY 1
"""

# The stretches [from_day, until_day) of {source}, numbered per {part} into islands of
# stretches that overlap or touch (as ``island``).
ISLANDS = sql.SQL("""
    SELECT {part}, from_day, until_day,
           count(*) FILTER (WHERE from_day > previous_end)
               OVER (PARTITION BY {part} ORDER BY from_day, until_day) AS island
      FROM (SELECT {part}, from_day, until_day,
                   max(until_day) OVER (PARTITION BY {part} ORDER BY from_day, until_day
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                       AS previous_end
              FROM {source}) ordered
""")


def day_counts(spans, weight):
    """The queries ``deltas`` and ``calendar`` (day_number, over_count) of a WITH: for each
    day from 0 to the horizon, the sum of ``weight`` over the stretches [from_day,
    until_day) of ``spans`` that cover it, from their starts and ends summed in order."""
    return """
    deltas AS (
        SELECT day_number, sum(delta) AS delta FROM (
            SELECT from_day AS day_number, {weight} AS delta FROM {spans}
             WHERE from_day <= %(horizon)s
            UNION ALL
            SELECT until_day, -{weight} FROM {spans} WHERE until_day <= %(horizon)s
        ) steps GROUP BY day_number
    ),
    calendar AS (
        SELECT calendar.day_number,
               sum(COALESCE(deltas.delta, 0)) OVER (ORDER BY calendar.day_number) AS over_count
          FROM generate_series(0, %(horizon)s) calendar(day_number)
          LEFT JOIN deltas ON deltas.day_number = calendar.day_number
    )""".format(spans=spans, weight=weight)


# The first day in [0, horizon] that no stretch of cci_pressure_over covers (NULL: none).
# Every key there is a contact or a company of the audience, so that day nobody is over:
# it is the first with the fewest, found without counting the recipients of each day.
FIRST_FREE_DAY = ("WITH" + day_counts("cci_pressure_over", "1")
                  + " SELECT min(day_number) FROM calendar WHERE over_count = 0")
# The first day in [0, horizon] with the fewest recipients over, and how many. The
# stretches of each key (over any rule) are merged into islands; a recipient is over on the
# days of its contact's and its company's islands: merged again for the recipients whose
# contact has islands, counted per company for the others; then the count of each day.
BEST_DAY = sql.SQL("""
    WITH key_islands AS MATERIALIZED (
        SELECT company, key, min(from_day) AS from_day, max(until_day) AS until_day
          FROM ({key_islands}) numbered GROUP BY company, key, island
    ),
    contact_islands AS MATERIALIZED (
        SELECT key, from_day, until_day FROM key_islands WHERE NOT company
    ),
    company_islands AS MATERIALIZED (
        SELECT key, from_day, until_day FROM key_islands WHERE company
    ),
    audience AS MATERIALIZED (
        SELECT recipient.res_id, recipient.company_id, contact.key IS NOT NULL AS own
          FROM cci_pressure_audience recipient
          LEFT JOIN (SELECT DISTINCT key FROM contact_islands) contact
            ON contact.key = recipient.partner_id
    ),
    own AS (
        SELECT recipient.res_id, contact_islands.from_day, contact_islands.until_day
          FROM cci_pressure_audience recipient
          JOIN contact_islands ON contact_islands.key = recipient.partner_id
        UNION ALL
        SELECT audience.res_id, company_islands.from_day, company_islands.until_day
          FROM audience JOIN company_islands ON company_islands.key = audience.company_id
         WHERE audience.own
    ),
    spans AS (
        SELECT min(from_day) AS from_day, max(until_day) AS until_day, 1 AS recipients
          FROM ({own_islands}) numbered
         GROUP BY res_id, island
        UNION ALL
        SELECT company_islands.from_day, company_islands.until_day, by_company.recipients
          FROM company_islands
          JOIN (SELECT company_id, count(*) AS recipients FROM audience WHERE NOT own
                 GROUP BY company_id) by_company ON by_company.company_id = company_islands.key
    ),""" + day_counts("spans", "recipients") + """
    SELECT day_number, over_count::int FROM calendar ORDER BY over_count, day_number LIMIT 1
""")

# ----------------------------------------------------------------------
# The partners' figures
# ----------------------------------------------------------------------

# Per rule, key and department, the weight of the history rows ({history_rows}, a UNION of
# the scopes' histories) that count for the rule on the date: the one counting that the
# partners' figures (USAGE) and their pressure over XML-RPC (PARTNER_LOADS) read.
LOADS = """,
    loads AS (
        SELECT rules.id AS rule_id, rules.company, hist.key, hist.department_id,
               sum(hist.weight)::int AS load
          FROM ({history_rows}) hist
          JOIN rules ON rules.company = hist.company
                    AND hist.first_day > -rules.window_days AND """ + FILTERS + """
         WHERE hist.key IS NOT NULL
         GROUP BY 1, 2, 3, 4
    )"""
# The share of each rule used today by the keys of {targets} (partner_id, company_id,
# no_solicit), counted as the check counts (same window, history and filters, nothing
# planned): per key, the highest share of its rules, in percent, and whether a solicitation
# of weight 1 (%(standard)s hundredths) would exceed one of them, as the check would say.
USAGE = sql.SQL("""
    {targets},
    {rules},
    {window}{history}""" + LOADS + """,
    usage AS (
        SELECT company, key, max(CASE WHEN max_cents > 0 THEN 100 * load::numeric / max_cents
                                      ELSE 100 END) AS ratio,
               bool_or(load > max_cents - %(standard)s::int) AS full_
          FROM (SELECT rules.id, rules.max_cents, loads.company, loads.key,
                       sum(loads.load) AS load
                  FROM loads JOIN rules ON rules.id = loads.rule_id
                 GROUP BY 1, 2, 3, 4) per_rule
         GROUP BY company, key
    )""")
# Per rule, key and department: the history that counts on the date (see LOADS) and the
# planned mailings of cci_pressure_plan that count on it (day 0 of planned_days), for the
# keys of cci_pressure_audience.
PARTNER_LOADS = sql.SQL("WITH " + RULES + "," + PLANNED_DAYS + """,
    {window}{history}""" + LOADS + """
    SELECT rule_id, company, key, department_id, load FROM loads
    UNION ALL
    SELECT planned_days.rule_id, plan.company, plan.key, planned_days.department_id,
           planned_days.weight
      FROM cci_pressure_plan plan
      JOIN planned_days ON planned_days.mailing_id = plan.mass_mailing_id
                       AND planned_days.lo = 0
      JOIN rules ON rules.id = planned_days.rule_id AND rules.company = plan.company
""")
# Per recipient of cci_pressure_audience, the first day in [0, horizon] on which none of
# the stretches of its contact and company in cci_pressure_over holds (NULL: none).
FREE_DAYS = """
    SELECT audience.res_id,
           (SELECT min(day_number) FROM generate_series(0, %(horizon)s) day_number
             WHERE NOT EXISTS (
                   SELECT 1 FROM cci_pressure_over stretch
                    WHERE ((NOT stretch.company AND stretch.key = audience.partner_id)
                           OR (stretch.company AND stretch.key = audience.company_id))
                      AND day_number >= stretch.from_day AND day_number < stretch.until_day))
      FROM cci_pressure_audience audience
"""
