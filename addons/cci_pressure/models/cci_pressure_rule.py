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
#   cci_pressure_event     what takes up quota, per rule and key (contact or company), as the
#                          range [lo, hi] of candidate days k (date + k days) it counts on
#   cci_pressure_over      per recipient and rule, the ranges [k, knext) of days it is over
TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_audience ("
    " res_id integer, partner_id integer, company_id integer, no_solicit date) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_event ("
    " rule_id integer, key integer, lo integer, hi integer, w numeric, department_id integer)"
    " ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_over ("
    " res_id integer, rule_id integer, key integer, k integer, knext integer) ON COMMIT DROP",
)
NO_SOLICIT_RULE = 0  # pseudo-rule id of res.partner.cci_no_solicit_until


class CciPressureRule(models.Model):
    """"No more than ``max_weight`` in any ``window_days`` days", per contact or company.

    The evaluation (``_cci_evaluate`` and the ``_cci_add_*`` methods) is set-based: one
    query per source of pressure over the whole audience, one sweep over the candidate days.
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

    def _cci_rule_arrays(self):
        return {
            "rule_ids": self.ids,
            "wins": [r.window_days for r in self],
            "companies": [r.scope == "company" for r in self],
            "any_cats": [not r.category_ids for r in self],
            "any_deps": [not r.department_ids for r in self],
        }

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------

    @api.model
    def _cci_reset_tables(self):
        cr = self.env.cr
        for ddl in TEMP_TABLES:
            cr.execute(ddl)
        cr.execute("TRUNCATE cci_pressure_audience, cci_pressure_event, cci_pressure_over")

    def _cci_add_history(self, date, horizon, exclude_mailing_id):
        """Events of the solicitations in the ledger, for the audience's contacts/companies.

        A row at ``s`` counts on day ``t`` when ``t - window < s <= t``.
        """
        if not self:
            return
        contact = any(r.scope == "contact" for r in self)
        company = any(r.scope == "company" for r in self)
        start = fields.Datetime.to_string(
            date - _days(max(self.mapped("window_days"))))
        end = fields.Datetime.to_string(date + _days(horizon))
        params = dict(self._cci_rule_arrays(), d0=fields.Datetime.to_string(date),
                      start=start, end=end, h=horizon, exclude=exclude_mailing_id or 0)
        branches = []
        if contact:
            branches.append(HISTORY_BRANCH.format(key="partner_id", key_a="partner_id",
                                                  company="FALSE"))
        if company:
            branches.append(HISTORY_BRANCH.format(key="commercial_partner_id",
                                                  key_a="company_id", company="TRUE"))
        self.env.cr.execute(
            """
            INSERT INTO cci_pressure_event (rule_id, key, lo, hi, w, department_id)
            WITH r AS (
                SELECT * FROM unnest(%(rule_ids)s::int[], %(wins)s::int[], %(companies)s::bool[],
                                     %(any_cats)s::bool[], %(any_deps)s::bool[])
                    AS r(id, win, company, any_cat, any_dep)
            ),
            hist AS ({branches}),
            ev AS (
                SELECT r.id AS rule_id, h.key,
                       ceil(extract(epoch FROM min(h.date) - %(d0)s::timestamp) / 86400.0)::int
                           AS first_day,
                       r.win, max(h.w) AS w, min(h.department_id) AS department_id
                  FROM hist h
                  JOIN r ON r.company = h.company
                        AND h.date > %(d0)s::timestamp - r.win * interval '1 day'
                        AND (r.any_cat OR EXISTS (
                             SELECT 1 FROM cci_pressure_rule_category_rel x
                              WHERE x.rule_id = r.id AND x.category_id = h.category_id))
                        AND (r.any_dep OR EXISTS (
                             SELECT 1 FROM cci_pressure_rule_department_rel x
                              WHERE x.rule_id = r.id AND x.department_id = h.department_id))
                 GROUP BY r.id, r.win, h.key, h.src
            )
            SELECT rule_id, key, greatest(first_day, 0), least(first_day + win - 1, %(h)s),
                   w, department_id
              FROM ev
             WHERE first_day + win - 1 >= 0 AND first_day <= %(h)s
            """.format(branches=" UNION ALL ".join(branches)),
            params,
        )

    def _cci_add_planned(self, date, horizon, at, weight, department_id, targets_sql,
                         targets_params, mailing_id):
        """Events of a mailing planned (or being sent) at ``at``, for the recipients it has
        in common with the audience (or, per company, the companies in common).

        A planned mailing counts on day ``t`` when ``t - window < at < t + window``; the
        recipients it already reached or left out are in the ledger and not counted again.
        """
        if not self or weight <= 0:
            return
        offset = (at - date).total_seconds() / 86400.0
        rule_ids, los, his, companies = [], [], [], []
        for rule in self:
            lo = max(int(math.floor(offset)) - rule.window_days + 1, 0)
            hi = min(int(math.ceil(offset)) + rule.window_days - 1, horizon)
            if lo <= hi:
                rule_ids.append(rule.id)
                los.append(lo)
                his.append(hi)
                companies.append(rule.scope == "company")
        if not rule_ids:
            return
        params = dict(targets_params, rule_ids=rule_ids, los=los, his=his,
                      companies=companies, w=weight, dep=department_id, mailing=mailing_id)
        self.env.cr.execute(
            """
            INSERT INTO cci_pressure_event (rule_id, key, lo, hi, w, department_id)
            WITH r AS (
                SELECT * FROM unnest(%(rule_ids)s::int[], %(los)s::int[], %(his)s::int[],
                                     %(companies)s::bool[]) AS r(id, lo, hi, company)
            ),
            tgt AS MATERIALIZED (
                SELECT DISTINCT rp.id AS partner_id, rp.commercial_partner_id AS company_id
                  FROM ({targets}) t
                  JOIN res_partner rp ON rp.id = t.partner_id
                 WHERE NOT EXISTS (
                       SELECT 1 FROM cci_interaction x
                        WHERE x.mass_mailing_id = %(mailing)s AND x.partner_id = rp.id
                          AND x.kind IN ('mailing_sent', 'mailing_excluded'))
            ),
            keys AS (
                SELECT DISTINCT FALSE AS company, t.partner_id AS key FROM tgt t
                  JOIN cci_pressure_audience a ON a.partner_id = t.partner_id
                UNION
                SELECT DISTINCT TRUE, t.company_id FROM tgt t
                  JOIN cci_pressure_audience a ON a.company_id = t.company_id
            )
            SELECT r.id, k.key, r.lo, r.hi, %(w)s, %(dep)s FROM r JOIN keys k USING (company)
            """.format(targets=targets_sql),
            params,
        )

    @api.model
    def _cci_add_no_solicit(self, date, horizon):
        """A recipient who asked for peace until a date is over on every day before it."""
        self.env.cr.execute(
            """
            INSERT INTO cci_pressure_over (res_id, rule_id, key, k, knext)
            SELECT res_id, %(rule)s, partner_id, 0,
                   least(ceil(extract(epoch FROM no_solicit::timestamp - %(d0)s::timestamp)
                              / 86400.0)::int, %(h)s + 1)
              FROM cci_pressure_audience
             WHERE no_solicit IS NOT NULL AND no_solicit::timestamp > %(d0)s::timestamp
            """,
            {"rule": NO_SOLICIT_RULE, "d0": fields.Datetime.to_string(date), "h": horizon},
        )

    def _cci_evaluate(self, weight, horizon):
        """Fill cci_pressure_over: for each (recipient, rule), the days k in [0, horizon]
        when what already counts plus ``weight`` exceeds the rule's maximum.

        Per (rule, key), a sweep over the starts and ends of its events gives the load on
        each stretch of days; only keys whose whole load could exceed the limit are swept.
        """
        if not self:
            return
        self.env.cr.execute(
            """
            WITH lim AS (
                SELECT rule_id, mx - %(weight)s::numeric AS lim, company
                  FROM unnest(%(rule_ids)s::int[], %(maxes)s::numeric[], %(companies)s::bool[])
                       AS l(rule_id, mx, company)
            ),
            heavy AS (
                SELECT e.rule_id, e.key FROM cci_pressure_event e JOIN lim l USING (rule_id)
                 GROUP BY e.rule_id, e.key, l.lim HAVING sum(e.w) > l.lim
                UNION
                SELECT l.rule_id, NULL FROM lim l WHERE l.lim < 0
            ),
            pts AS (
                SELECT rule_id, key, k, sum(d) AS d FROM (
                    SELECT e.rule_id, e.key, e.lo AS k, e.w AS d
                      FROM cci_pressure_event e JOIN heavy h USING (rule_id, key)
                    UNION ALL
                    SELECT e.rule_id, e.key, e.hi + 1, -e.w
                      FROM cci_pressure_event e JOIN heavy h USING (rule_id, key)
                    UNION ALL
                    SELECT rule_id, key, 0, 0 FROM heavy WHERE key IS NOT NULL
                ) x GROUP BY 1, 2, 3
            ),
            seg AS (
                SELECT p.rule_id, p.key, p.k, lead(p.k, 1, %(h)s + 1) OVER w AS knext,
                       sum(p.d) OVER w AS load
                  FROM pts p WINDOW w AS (PARTITION BY p.rule_id, p.key ORDER BY p.k)
            ),
            over_seg AS (
                SELECT s.rule_id, s.key, s.k, s.knext, l.company
                  FROM seg s JOIN lim l USING (rule_id)
                 WHERE s.load > l.lim AND s.k <= %(h)s
            )
            INSERT INTO cci_pressure_over (res_id, rule_id, key, k, knext)
            SELECT a.res_id, o.rule_id, o.key, o.k, o.knext
              FROM over_seg o JOIN cci_pressure_audience a ON a.partner_id = o.key
             WHERE NOT o.company
            UNION ALL
            SELECT a.res_id, o.rule_id, o.key, o.k, o.knext
              FROM over_seg o JOIN cci_pressure_audience a ON a.company_id = o.key
             WHERE o.company
            UNION ALL
            SELECT a.res_id, l.rule_id, NULL, 0, %(h)s + 1
              FROM lim l CROSS JOIN cci_pressure_audience a
             WHERE l.lim < 0
            """,
            {
                "rule_ids": self.ids,
                "maxes": [r.max_weight for r in self],
                "weight": weight,
                "companies": [r.scope == "company" for r in self],
                "h": horizon,
            },
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

    @api.model
    def _cci_by_department(self):
        """{department id or None: recipients over on day 0 for whom that department's
        solicitations count in a quota they exceed}."""
        self.env.cr.execute(
            """
            SELECT e.department_id, count(DISTINCT o.res_id)
              FROM cci_pressure_over o
              JOIN cci_pressure_event e ON e.rule_id = o.rule_id AND e.key = o.key AND e.lo = 0
             WHERE o.k = 0
             GROUP BY e.department_id
            """
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


# One branch of the history query: the ledger's solicitations of the audience's contacts
# (key partner_id) or companies (key commercial_partner_id), with the weight of each.
HISTORY_BRANCH = """
    SELECT i.{key} AS key, {company} AS company, COALESCE(i.mass_mailing_id, -i.id) AS src,
           i.date, i.department_id, m.cci_category_id AS category_id,
           COALESCE(c.weight, 1.0)::numeric AS w
      FROM (SELECT DISTINCT {key_a} AS key FROM cci_pressure_audience
             WHERE {key_a} IS NOT NULL) a
      JOIN cci_interaction i ON i.{key} = a.key AND i.is_solicitation
                            AND i.date > %(start)s AND i.date <= %(end)s
      LEFT JOIN mail_mass_mailing m ON m.id = i.mass_mailing_id
      LEFT JOIN cci_mailing_category c ON c.id = m.cci_category_id
     WHERE i.mass_mailing_id IS DISTINCT FROM %(exclude)s AND COALESCE(c.weight, 1.0) > 0
"""


def _days(n):
    return timedelta(days=n)
