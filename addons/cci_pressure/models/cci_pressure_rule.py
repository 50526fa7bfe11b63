import math
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

SCOPES = [
    ("contact", "Per contact"),
    ("company", "Per company"),
]
MAX_WINDOW_DAYS = 365

# The evaluation works in temporary tables, dropped at the end of the transaction:
#   cci_pressure_audience  the recipients checked: (res_id, partner_id, company_id, no_solicit)
#   cci_pressure_hist      the ledger's solicitations of the audience's contacts (company
#                          FALSE, key = contact) and companies (company TRUE, key = company;
#                          one row per mailing), ``fd`` = the first candidate day (date +
#                          fd days) after the row, so that it counts on days k <= fd + W - 1
#   cci_pressure_plan      the planned mailings reaching a key of the audience
#   cci_pressure_over      per recipient and rule, the days [k, knext) it is over quota
TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_audience ("
    " res_id integer, partner_id integer, company_id integer, no_solicit date) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_hist (company boolean, key integer,"
    " fd integer, w integer, category_id integer, department_id integer) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_plan (company boolean, key integer,"
    " mass_mailing_id integer) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_over (res_id integer, rule_id integer,"
    " company boolean, key integer, k integer, knext integer) ON COMMIT DROP",
)
NO_SOLICIT_RULE = 0  # pseudo-rule id of res.partner.cci_no_solicit_until
# Above this many recipients, the window of the ledger is read once for all of them; below,
# each recipient's rows through the partial indexes (a sending batch, a small mailing).
ONE_PASS_AUDIENCE = 5000


def cents(weight):
    """Weights and maxima have two decimals: the queries add them as whole hundredths,
    exactly, and faster than decimals."""
    return int(round((weight or 0.0) * 100))


class CciPressureRule(models.Model):
    """"No more than ``max_weight`` in any ``window_days`` days", per contact or company.

    The evaluation (the ``_cci_add_*`` and ``_cci_evaluate_day0`` / ``_cci_sweep`` methods) is
    set-based: one scan of the ledger and one query per planned mailing for the whole
    audience, one grouped sum for the date, one sweep over the candidate days after it.
    """

    _name = "cci.pressure.rule"
    _description = "Solicitation quota"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    window_days = fields.Integer(
        string="Window (days)", required=True, default=30,
        help="Length of the sliding window, in days.",
    )
    max_weight = fields.Float(
        string="Maximum weight", required=True, default=4.0, digits=(6, 2),
        help="Most a recipient may receive in any window, counted with the weights of the "
        "mailing categories (an ordinary mailing weighs 1).",
    )
    scope = fields.Selection(
        SCOPES, required=True, default="contact",
        help="Per company: the mailings received by all the contacts of a company count "
        "together (a mailing that reaches several of them counts once).",
    )
    category_ids = fields.Many2many(
        "cci.mailing.category", "cci_pressure_rule_category_rel", "rule_id", "category_id",
        string="Categories",
        help="Only mailings of these categories count and are checked. Empty: all.",
    )
    department_ids = fields.Many2many(
        "cci.department", "cci_pressure_rule_department_rel", "rule_id", "department_id",
        string="Departments",
        help="Only mailings of these departments count and are checked. Empty: all.",
    )
    summary = fields.Char(compute="_compute_summary")

    _sql_constraints = [
        ("name_unique", "unique(name)", "Another quota already has this name."),
    ]

    @api.constrains("window_days", "max_weight")
    def _check_values(self):
        for rule in self:
            if rule.window_days < 1 or rule.window_days > MAX_WINDOW_DAYS:
                raise ValidationError(
                    _("The window of the quota '%(name)s' must be between 1 and %(max)d days.")
                    % {"name": rule.name, "max": MAX_WINDOW_DAYS}
                )
            if rule.max_weight < 0:
                raise ValidationError(
                    _("The maximum of the quota '%s' cannot be negative (0 means: nothing "
                      "at all in the window).") % rule.name
                )

    @api.depends("window_days", "max_weight", "scope")
    def _compute_summary(self):
        for rule in self:
            if rule.scope == "company":
                text = _("At most %(max)s in %(days)d days per company")
            else:
                text = _("At most %(max)s in %(days)d days per contact")
            rule.summary = text % {"max": "%g" % rule.max_weight, "days": rule.window_days}

    # ------------------------------------------------------------------
    # Which rules apply
    # ------------------------------------------------------------------

    @api.model
    def _cci_rules_for(self, category, department):
        """The active rules that apply to a mailing of this category and department."""
        # pylint: disable=no-search-all
        return self.search([]).filtered(
            lambda r: (not r.category_ids or category in r.category_ids)
            and (not r.department_ids or department in r.department_ids)
        )

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------
    #
    # A rule counts, for a key (a contact, or a company with scope company) and a day k
    # (the date + k days): the ledger's rows with fd <= k <= fd + window - 1, and the planned
    # mailings whose interval of days [lo, hi] (see ``_cci_planned_rows``) contains k. The
    # key is over on day k when that, plus this mailing's weight, exceeds the maximum.

    @api.model
    def _cci_reset_tables(self):
        cr = self.env.cr
        for ddl in TEMP_TABLES:
            cr.execute(ddl)
        cr.execute("TRUNCATE cci_pressure_audience, cci_pressure_hist, cci_pressure_plan,"
                   " cci_pressure_over")

    def _cci_params(self, weight=0.0, planned_rows=()):
        """The rules and the planned mailings' rows, as arrays for SQL."""
        rows = list(planned_rows)
        return {
            "rule_ids": self.ids,
            "wins": [r.window_days for r in self],
            "maxes": [cents(r.max_weight) for r in self],
            "weight": cents(weight),
            "companies": [r.scope == "company" for r in self],
            "any_cats": [not r.category_ids for r in self],
            "any_deps": [not r.department_ids for r in self],
            "pr_rules": [row[0] for row in rows],
            "pr_mailings": [row[1] for row in rows],
            "pr_los": [row[2] for row in rows],
            "pr_his": [row[3] for row in rows],
            "pr_ws": [cents(row[4]) for row in rows],
            "pr_deps": [row[5] for row in rows],
        }

    def _cci_add_history(self, date, exclude_mailing_id):
        """The ledger's solicitations of the audience's contacts and companies in the longest
        window before the date, with their weights: a join per scope, so that PostgreSQL
        reads a small audience through the partial indexes and a large one in one pass over
        the window."""
        if not self:
            return
        start = date - timedelta(days=max(self.mapped("window_days")))
        self.env.cr.execute("SELECT count(*) > %s FROM cci_pressure_audience",
                            (ONE_PASS_AUDIENCE,))
        window = WINDOW_ONE_PASS if self.env.cr.fetchone()[0] else WINDOW_PER_KEY
        branches = []
        if any(r.scope == "contact" for r in self):
            branches.append(HISTORY_CONTACTS)
        if any(r.scope == "company" for r in self):
            branches.append(HISTORY_COMPANIES)
        self.env.cr.execute(
            "INSERT INTO cci_pressure_hist (company, key, fd, w, category_id, department_id)"
            + window + " UNION ALL ".join(branches),
            {
                "d0": fields.Datetime.to_string(date),
                "start": fields.Datetime.to_string(start),
                "exclude": exclude_mailing_id or 0,
            },
        )

    @api.model
    def _cci_add_plan(self, targets_sql, mailing_id, started=False):
        """The keys of the audience a planned mailing reaches (its contacts, and their
        companies), leaving out, once it started, those it already reached or held back
        (they are in the ledger)."""
        self.env.cr.execute(
            """
            INSERT INTO cci_pressure_plan (company, key, mass_mailing_id)
            WITH tgt AS MATERIALIZED (
                SELECT DISTINCT rp.id AS partner_id, rp.commercial_partner_id AS company_id
                  FROM ({targets}) t
                  JOIN res_partner rp ON rp.id = t.partner_id
                 WHERE NOT %(started)s OR NOT EXISTS (
                       SELECT 1 FROM cci_interaction x
                        WHERE x.mass_mailing_id = %(mailing)s AND x.partner_id = rp.id
                          AND x.kind IN ('mailing_sent', 'mailing_excluded'))
            )
            SELECT FALSE, partner_id, %(mailing)s FROM tgt
             WHERE partner_id IN (SELECT partner_id FROM cci_pressure_audience)
            UNION ALL
            SELECT DISTINCT TRUE, company_id, %(mailing)s FROM tgt
             WHERE company_id IN (SELECT company_id FROM cci_pressure_audience)
            """.format(targets=targets_sql),
            {"mailing": mailing_id, "started": started},
        )

    def _cci_planned_rows(self, date, horizon, at, weight, category, department, mailing_id):
        """[(rule id, mailing id, lo, hi, weight, department id)]: the days [lo, hi] on which
        a mailing planned at ``at`` counts for each rule, ``t - window < at < t + window``."""
        offset = (at - date).total_seconds() / 86400.0
        rows = []
        if weight <= 0:
            return rows
        for rule in self:
            if (rule.category_ids and category not in rule.category_ids) \
                    or (rule.department_ids and department not in rule.department_ids):
                continue
            lo = max(int(math.floor(offset)) - rule.window_days + 1, 0)
            hi = min(int(math.ceil(offset)) + rule.window_days - 1, horizon)
            if lo <= hi:
                rows.append((rule.id, mailing_id, lo, hi, weight, department.id or None))
        return rows

    @api.model
    def _cci_add_no_solicit(self, date, horizon):
        """A recipient who asked for peace until a date is over on every day before it."""
        self.env.cr.execute(
            """
            INSERT INTO cci_pressure_over (res_id, rule_id, company, key, k, knext)
            SELECT res_id, %(rule)s, FALSE, partner_id, 0,
                   least(ceil(extract(epoch FROM no_solicit::timestamp - %(d0)s::timestamp)
                              / 86400.0)::int, %(h)s + 1)
              FROM cci_pressure_audience
             WHERE no_solicit IS NOT NULL AND no_solicit::timestamp > %(d0)s::timestamp
            """,
            {"rule": NO_SOLICIT_RULE, "d0": fields.Datetime.to_string(date), "h": horizon},
        )

    def _cci_evaluate_day0(self, weight, planned_rows):
        """Fill cci_pressure_over with the (recipient, rule) over quota on the date itself:
        one pass over what counts, one sum per rule and key (a column per rule)."""
        if not self:
            return
        params = {"weight": cents(weight)}
        loads, checks = [], []
        for n, rule in enumerate(self):
            plan = {}
            for rule_id, mailing_id, lo, _hi, w, _dep in planned_rows:
                if rule_id == rule.id and lo == 0:
                    plan[mailing_id] = cents(w)
            conditions = ["company = %s" % ("TRUE" if rule.scope == "company" else "FALSE")]
            hist = ["fd > %d" % -rule.window_days]
            if rule.category_ids:
                hist.append("category_id = ANY(%%(cats_%d)s)" % n)
                params["cats_%d" % n] = rule.category_ids.ids
            if rule.department_ids:
                hist.append("department_id = ANY(%%(deps_%d)s)" % n)
                params["deps_%d" % n] = rule.department_ids.ids
            plan_sql = "0"
            if plan:
                params["pm_%d" % n] = list(plan)
                params["pw_%d" % n] = list(plan.values())
                plan_sql = ("COALESCE((%%(pw_%d)s::int[])[array_position("
                            "%%(pm_%d)s::int[], mass_mailing_id)], 0)" % (n, n))
            loads.append(
                "COALESCE(sum(CASE WHEN mass_mailing_id IS NULL THEN w ELSE {plan} END)"
                " FILTER (WHERE {cond} AND (mass_mailing_id IS NOT NULL OR ({hist}))), 0)"
                " AS l{n}".format(plan=plan_sql, cond=" AND ".join(conditions),
                                  hist=" AND ".join(hist), n=n))
            params["max_%d" % n] = cents(rule.max_weight)
            checks.append("CASE WHEN l{n} > %(max_{n})s::int - %(weight)s::int"
                          " THEN {id} END".format(n=n, id=rule.id))
        self.env.cr.execute(
            """
            WITH src AS (
                SELECT company, key, fd, w, category_id, department_id,
                       NULL::integer AS mass_mailing_id
                  FROM cci_pressure_hist
                UNION ALL
                SELECT company, key, NULL, NULL, NULL, NULL, mass_mailing_id
                  FROM cci_pressure_plan
            ),
            per_key AS (
                SELECT company, key, {loads} FROM src GROUP BY company, key
            ),
            over_keys AS (
                SELECT company, key, unnest(array_remove(ARRAY[{checks}], NULL)) AS rule_id
                  FROM per_key
            )
            INSERT INTO cci_pressure_over (res_id, rule_id, company, key, k, knext)
            SELECT a.res_id, o.rule_id, FALSE, o.key, 0, 1
              FROM over_keys o JOIN cci_pressure_audience a ON a.partner_id = o.key
             WHERE NOT o.company
            UNION ALL
            SELECT a.res_id, o.rule_id, TRUE, o.key, 0, 1
              FROM over_keys o JOIN cci_pressure_audience a ON a.company_id = o.key
             WHERE o.company
            """.format(loads=", ".join(loads), checks=", ".join(checks)),
            params,
        )
        # a rule this mailing alone exceeds: everybody is over it, whatever they received
        for rule in self.filtered(lambda r: cents(r.max_weight) < cents(weight)):
            self.env.cr.execute(
                "INSERT INTO cci_pressure_over (res_id, rule_id, company, key, k, knext)"
                " SELECT res_id, %s, %s, NULL, 0, 1 FROM cci_pressure_audience",
                (rule.id, rule.scope == "company"))

    def _cci_sweep(self, weight, horizon, planned_rows):
        """Add to cci_pressure_over the days 1 to ``horizon`` when each (recipient, rule) is
        over. Only the keys that can be over on some day are swept (their load on the date
        plus every planned mailing exceeds the limit: over on the date, or reached by a
        planned mailing; the history only goes down with the days); for them, the starts and
        ends of what counts, summed in day order, give the load of each stretch of days."""
        if not self:
            return
        self.env.cr.execute(
            RULES_CTE + """,
            cand AS MATERIALIZED (
                SELECT DISTINCT company, key FROM cci_pressure_over
                 WHERE rule_id <> %(no_solicit)s AND key IS NOT NULL
                UNION
                SELECT DISTINCT company, key FROM cci_pressure_plan
            ),
            ev AS (
                SELECT r.id AS rule_id, h.company, h.key, 0 AS lo,
                       least(h.fd + r.win - 1, %(h)s) AS hi, h.w
                  FROM cci_pressure_hist h
                  JOIN cand USING (company, key)
                  JOIN r ON r.company = h.company AND h.fd > -r.win AND """ + FILTERS + """
                UNION ALL
                SELECT pr.rule_id, p.company, p.key, pr.lo, pr.hi, pr.w
                  FROM cci_pressure_plan p
                  JOIN pr ON pr.mailing_id = p.mass_mailing_id
                  JOIN r ON r.id = pr.rule_id AND r.company = p.company
            ),
            heavy AS (
                SELECT e.rule_id, e.company, e.key FROM ev e JOIN r ON r.id = e.rule_id
                 GROUP BY e.rule_id, e.company, e.key, r.lim HAVING sum(e.w) > r.lim
            ),
            pts AS (
                SELECT rule_id, company, key, k, sum(d) AS d FROM (
                    SELECT e.rule_id, e.company, e.key, e.lo AS k, e.w AS d
                      FROM ev e JOIN heavy USING (rule_id, company, key)
                    UNION ALL
                    SELECT e.rule_id, e.company, e.key, e.hi + 1, -e.w
                      FROM ev e JOIN heavy USING (rule_id, company, key)
                    UNION ALL
                    SELECT rule_id, company, key, 0, 0 FROM heavy
                ) x GROUP BY 1, 2, 3, 4
            ),
            seg AS (
                SELECT p.rule_id, p.company, p.key, p.k,
                       lead(p.k, 1, %(h)s + 1) OVER w AS knext, sum(p.d) OVER w AS load
                  FROM pts p WINDOW w AS (PARTITION BY p.rule_id, p.company, p.key ORDER BY p.k)
            ),
            over_seg AS (
                SELECT s.rule_id, s.company, s.key, greatest(s.k, 1) AS k, s.knext
                  FROM seg s JOIN r ON r.id = s.rule_id
                 WHERE s.load > r.lim AND s.knext > 1 AND s.k <= %(h)s
            )
            INSERT INTO cci_pressure_over (res_id, rule_id, company, key, k, knext)
            SELECT a.res_id, o.rule_id, FALSE, o.key, o.k, o.knext
              FROM over_seg o JOIN cci_pressure_audience a ON a.partner_id = o.key
             WHERE NOT o.company
            UNION ALL
            SELECT a.res_id, o.rule_id, TRUE, o.key, o.k, o.knext
              FROM over_seg o JOIN cci_pressure_audience a ON a.company_id = o.key
             WHERE o.company
            UNION ALL
            SELECT a.res_id, r.id, r.company, NULL, 1, %(h)s + 1
              FROM r CROSS JOIN cci_pressure_audience a WHERE r.lim < 0
            """,
            dict(self._cci_params(weight, planned_rows), h=horizon, no_solicit=NO_SOLICIT_RULE),
        )

    # ------------------------------------------------------------------
    # Reading the evaluation
    # ------------------------------------------------------------------

    @api.model
    def _cci_over_now(self):
        """{res_id: [rule ids]} of the recipients over on the date itself (day 0)."""
        self.env.cr.execute(
            "SELECT res_id, array_agg(DISTINCT rule_id ORDER BY rule_id)"
            " FROM cci_pressure_over WHERE k = 0 GROUP BY res_id"
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _cci_by_rule(self):
        self.env.cr.execute(
            "SELECT rule_id, count(DISTINCT res_id) FROM cci_pressure_over WHERE k = 0"
            " GROUP BY rule_id"
        )
        return dict(self.env.cr.fetchall())

    def _cci_by_department(self, planned_rows):
        """{department id or None: recipients over on day 0 for whom that department's
        solicitations (sent or planned) count in a quota they exceed}."""
        if not self:
            return {}
        self.env.cr.execute(
            RULES_CTE + """,
            src AS (
                SELECT r.id AS rule_id, h.company, h.key, h.department_id
                  FROM cci_pressure_hist h
                  JOIN r ON r.company = h.company AND h.fd > -r.win AND """ + FILTERS + """
                UNION ALL
                SELECT pr.rule_id, p.company, p.key, pr.dep
                  FROM cci_pressure_plan p
                  JOIN pr ON pr.mailing_id = p.mass_mailing_id AND pr.lo = 0
            )
            SELECT s.department_id, count(DISTINCT o.res_id)
              FROM cci_pressure_over o
              JOIN src s ON s.rule_id = o.rule_id AND s.company = o.company AND s.key = o.key
             WHERE o.k = 0
             GROUP BY s.department_id
            """,
            self._cci_params(0.0, planned_rows),
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _cci_best_day(self, horizon):
        """(day, recipients over that day): the first day in [0, horizon] with the fewest.

        Per recipient the stretches of days over any rule are merged into islands; the
        starts and ends of the islands, summed in order, give the count of each day.
        """
        self.env.cr.execute(
            """
            WITH s AS (
                SELECT res_id, k, knext,
                       max(knext) OVER (PARTITION BY res_id ORDER BY k, knext
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                           AS prev_end
                  FROM cci_pressure_over
            ),
            isl AS (
                SELECT res_id, k, knext,
                       sum(CASE WHEN prev_end IS NULL OR k > prev_end THEN 1 ELSE 0 END)
                           OVER (PARTITION BY res_id ORDER BY k, knext) AS island
                  FROM s
            ),
            spans AS (
                SELECT min(k) AS k0, max(knext) AS k1 FROM isl GROUP BY res_id, island
            ),
            deltas AS (
                SELECT k, sum(d) AS d FROM (
                    SELECT k0 AS k, 1 AS d FROM spans
                    UNION ALL
                    SELECT k1, -1 FROM spans WHERE k1 <= %(h)s
                ) x GROUP BY k
            ),
            days AS (
                SELECT g.k, sum(COALESCE(d.d, 0)) OVER (ORDER BY g.k) AS n_over
                  FROM generate_series(0, %(h)s) g(k) LEFT JOIN deltas d ON d.k = g.k
            )
            SELECT k, n_over::int FROM days ORDER BY n_over, k LIMIT 1
            """,
            {"h": horizon},
        )
        return self.env.cr.fetchone()


# The solicitations in the longest window before the date, of the audience's contacts and
# companies (key columns, day fd, weight in hundredths), from the ledger rows that {source}
# gives as ``i``: in one pass over the window for a large audience, through the partial
# indexes of each contact and company for a small one.
WINDOW_ROWS = """
        SELECT i.id, i.partner_id, i.commercial_partner_id, i.mass_mailing_id, i.department_id,
               ceil(extract(epoch FROM i.date - %(d0)s::timestamp) / 86400.0)::int AS fd,
               round(COALESCE(c.weight, 1.0) * 100)::int AS w, m.cci_category_id
          FROM {source}
          LEFT JOIN mail_mass_mailing m ON m.id = i.mass_mailing_id
          LEFT JOIN cci_mailing_category c ON c.id = m.cci_category_id
         WHERE i.is_solicitation AND i.date > %(start)s AND i.date <= %(d0)s
           AND i.mass_mailing_id IS DISTINCT FROM %(exclude)s AND COALESCE(c.weight, 1.0) > 0
"""
WINDOW_ONE_PASS = """
    WITH win AS MATERIALIZED ({rows}),
    win_contacts AS (
        SELECT * FROM win WHERE partner_id IN (SELECT partner_id FROM cci_pressure_audience)
    ),
    win_companies AS (
        SELECT * FROM win
         WHERE commercial_partner_id IN (SELECT company_id FROM cci_pressure_audience)
    )
""".format(rows=WINDOW_ROWS.format(source="cci_interaction i"))
WINDOW_PER_KEY = """
    WITH win_contacts AS ({contacts}),
    win_companies AS ({companies})
""".format(
    contacts=WINDOW_ROWS.format(
        source="(SELECT DISTINCT partner_id FROM cci_pressure_audience"
               " WHERE partner_id IS NOT NULL) a"
               " JOIN cci_interaction i ON i.partner_id = a.partner_id"),
    companies=WINDOW_ROWS.format(
        source="(SELECT DISTINCT company_id FROM cci_pressure_audience"
               " WHERE company_id IS NOT NULL) a"
               " JOIN cci_interaction i ON i.commercial_partner_id = a.company_id"),
)
# The contacts: one row per mail they received.
HISTORY_CONTACTS = """
    SELECT FALSE, partner_id, fd, w, cci_category_id, department_id FROM win_contacts
"""
# The companies: one row per mailing that reached any of their contacts.
HISTORY_COMPANIES = """
    SELECT TRUE, commercial_partner_id, max(fd), max(w), min(cci_category_id),
           min(department_id)
      FROM win_companies
     GROUP BY commercial_partner_id, COALESCE(mass_mailing_id, -id)
"""
# The rules (r) and the planned mailings' days per rule (pr), from _cci_params.
RULES_CTE = """
    WITH r AS (
        SELECT id, win, mx - %(weight)s::int AS lim, company, any_cat, any_dep
          FROM unnest(%(rule_ids)s::int[], %(wins)s::int[], %(maxes)s::int[],
                      %(companies)s::bool[], %(any_cats)s::bool[], %(any_deps)s::bool[])
               AS r(id, win, mx, company, any_cat, any_dep)
    ),
    pr AS (
        SELECT * FROM unnest(%(pr_rules)s::int[], %(pr_mailings)s::int[], %(pr_los)s::int[],
                             %(pr_his)s::int[], %(pr_ws)s::int[], %(pr_deps)s::int[])
               AS pr(rule_id, mailing_id, lo, hi, w, dep)
    )"""
# A ledger row h counts for rule r if r has no categories (departments) or has its own.
FILTERS = """(r.any_cat OR EXISTS (
                 SELECT 1 FROM cci_pressure_rule_category_rel x
                  WHERE x.rule_id = r.id AND x.category_id = h.category_id))
             AND (r.any_dep OR EXISTS (
                 SELECT 1 FROM cci_pressure_rule_department_rel x
                  WHERE x.rule_id = r.id AND x.department_id = h.department_id))"""
