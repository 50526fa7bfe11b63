import math
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.cci_marketing.tools import check_number
from odoo.exceptions import UserError, ValidationError

SCOPES = [
    ("contact", "Per contact"),
    ("company", "Per company"),
]
MAX_WINDOW_DAYS = 365
MAX_MAX_WEIGHT = 1000  # the quotas add weights as int4 hundredths (see cents)

# The evaluation works in temporary tables, dropped at the end of the transaction:
#   cci_pressure_audience  the recipients checked: (res_id, partner_id, company_id, no_solicit)
#   cci_pressure_hist      the ledger's solicitations of the audience's contacts (company
#                          FALSE, key = contact) and companies (company TRUE, key = company;
#                          one row per mailing), ``fd`` = the first candidate day (date +
#                          fd days) after the row, so that it counts on days k <= fd + W - 1
#   cci_pressure_plan      the planned mailings reaching a key of the audience
#   cci_pressure_heavy     the (rule, key) whose whole load exceeds the rule's limit: the only
#                          ones that can be over on some day; ``planned`` when planned
#                          mailings count in it
#   cci_pressure_over      per rule and key, the days [k, knext) it is over quota; the
#                          recipients are joined to their keys only to count them
TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_audience ("
    " res_id integer, partner_id integer, company_id integer, no_solicit date) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_hist (company boolean, key integer,"
    " fd integer, w integer, category_id integer, department_id integer) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_plan (company boolean, key integer,"
    " mass_mailing_id integer) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_heavy (rule_id integer, company boolean,"
    " key integer, planned boolean) ON COMMIT DROP",
    "CREATE TEMP TABLE IF NOT EXISTS cci_pressure_over (rule_id integer, company boolean,"
    " key integer, k integer, knext integer) ON COMMIT DROP",
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
    set-based and works per key (a contact, or a company): one statement for the planned
    mailings, one read of the ledger's window with one grouped sum per key, then, at send
    time, the keys over on the date, else the days over from the date to the horizon of the
    keys that can be over at all.
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

    @api.model
    def create(self, vals):
        self._cci_check_vals(vals, creating=True)
        return super().create(vals)

    @api.multi
    def write(self, vals):
        self._cci_check_vals(vals)
        return super().write(vals)

    def _cci_check_vals(self, vals, creating=False):
        """Refuse, before anything is written, what Odoo would store as something else (an
        empty name, a window of 1.5 days as 1, None as 0, an unknown scope) or fail on with
        a raw error ('x', NaN, infinity)."""
        if creating or "name" in vals:
            name = vals.get("name")
            if not isinstance(name, str) or not name.strip():
                raise UserError(_("A quota needs a name: it cannot be empty."))
        if "window_days" in vals:
            check_number(vals["window_days"], _("The window of a quota must be a whole number "
                                                "of days, such as 7 or 30."), whole=True)
        if "max_weight" in vals:
            check_number(vals["max_weight"], _("The maximum of a quota must be a number, such "
                                               "as 2 or 4.5."))
        scope = vals.get("scope")
        if "scope" in vals and not (isinstance(scope, str) and scope in dict(SCOPES)):
            raise UserError(_("The scope of a quota must be 'contact' (each contact counted "
                              "alone) or 'company' (the contacts of a company counted "
                              "together)."))

    @api.constrains("window_days", "max_weight")
    def _check_values(self):
        for rule in self:
            if rule.window_days < 1 or rule.window_days > MAX_WINDOW_DAYS:
                raise ValidationError(
                    _("The window of the quota '%(name)s' must be between 1 and %(max)d days.")
                    % {"name": rule.name, "max": MAX_WINDOW_DAYS}
                )
            if not math.isfinite(rule.max_weight) or rule.max_weight < 0:
                raise ValidationError(
                    _("The maximum of the quota '%s' cannot be negative (0 means: nothing "
                      "at all in the window).") % rule.name
                )
            if rule.max_weight > MAX_MAX_WEIGHT:
                raise ValidationError(
                    _("The maximum of the quota '%(name)s' cannot be more than %(max)d.")
                    % {"name": rule.name, "max": MAX_MAX_WEIGHT}
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
                   " cci_pressure_heavy, cci_pressure_over")

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

    def _cci_window(self, date, exclude_mailing_id, materialized=True):
        """(SQL, params): a WITH whose last queries, ``hist_contacts`` and
        ``hist_companies`` (for the scopes of these rules), hold the ledger's solicitations
        of the audience's contacts and companies in the longest window before the date, with
        their weights: a join per scope, so that PostgreSQL reads a small audience through
        the partial indexes and a large one in one pass over the window."""
        start = date - timedelta(days=max(self.mapped("window_days")))
        self.env.cr.execute("SELECT count(*) > %s FROM cci_pressure_audience",
                            (ONE_PASS_AUDIENCE,))
        sql = WINDOW_ONE_PASS if self.env.cr.fetchone()[0] else WINDOW_PER_KEY
        keyword = "MATERIALIZED " if materialized else ""
        for scope, name, query in (("contact", "hist_contacts", HISTORY_CONTACTS),
                                   ("company", "hist_companies", HISTORY_COMPANIES)):
            if scope in self.mapped("scope"):
                sql += ", %s AS %s(%s)" % (name, keyword, query)
        return sql, {
            "d0": fields.Datetime.to_string(date),
            "start": fields.Datetime.to_string(start),
            "exclude": exclude_mailing_id or 0,
        }

    def _cci_add_history(self, date, exclude_mailing_id, weight, planned_rows):
        """The window of the ledger (see _cci_window) in cci_pressure_hist, for the keys
        that can be over on some day only, here and in cci_pressure_plan: those whose whole
        load for a rule (its window, every planned mailing that counts for it) exceeds its
        limit (in cci_pressure_heavy). Most keys cannot, and no later step reads them."""
        if not self:
            return
        window, params = self._cci_window(date, exclude_mailing_id)
        checks, check_params = self._cci_load_checks(weight, planned_rows, any_day=True)
        kept = " UNION ALL ".join(
            "SELECT * FROM {name} WHERE key IN (SELECT key FROM relevant WHERE {company})"
            .format(name=name, company=company)
            for scope, name, company in (("contact", "hist_contacts", "NOT company"),
                                         ("company", "hist_companies", "company"))
            if scope in self.mapped("scope"))
        self.env.cr.execute(
            window + """,
            relevant AS MATERIALIZED (
                SELECT company, key, rule_ids, planned_ids FROM ({checks}) x
                 WHERE rule_ids <> '{{}}'
            ),
            heavy AS (
                INSERT INTO cci_pressure_heavy (rule_id, company, key, planned)
                SELECT u.rule_id, company, key, u.rule_id = ANY(planned_ids)
                  FROM relevant, unnest(rule_ids) u(rule_id)
            ),
            dropped AS (
                DELETE FROM cci_pressure_plan p
                 WHERE NOT EXISTS (SELECT 1 FROM relevant l
                                    WHERE l.company = p.company AND l.key = p.key)
            )
            INSERT INTO cci_pressure_hist (company, key, fd, w, category_id, department_id)
            {kept}
            """.format(checks=checks.format(contacts="hist_contacts",
                                            companies="hist_companies"), kept=kept),
            dict(params, **check_params),
        )

    @api.model
    def _cci_add_plans(self, plans):
        """The keys of the audience that planned mailings reach (their contacts, and their
        companies), leaving out, for those that started, the contacts they already reached
        or held back (they are in the ledger). ``plans``: [(targets SQL, see
        _cci_pressure_targets_sql, mailing id, started)]."""
        if not plans:
            return
        targets = " UNION ALL ".join(
            """
            SELECT DISTINCT {mailing} AS mailing_id, t.partner_id, t.company_id
              FROM ({sql}) t(res_id, partner_id, company_id, no_solicit)
             WHERE t.partner_id IS NOT NULL AND (NOT {started} OR NOT EXISTS (
                   SELECT 1 FROM cci_interaction x
                    WHERE x.mass_mailing_id = {mailing} AND x.partner_id = t.partner_id
                      AND x.kind IN ('mailing_sent', 'mailing_excluded')))
            """.format(sql=sql, mailing=int(mailing_id), started=bool(started))
            for sql, mailing_id, started in plans)
        self.env.cr.execute(
            """
            INSERT INTO cci_pressure_plan (company, key, mass_mailing_id)
            WITH tgt AS MATERIALIZED ({targets})
            SELECT FALSE, partner_id, mailing_id FROM tgt
             WHERE partner_id IN (SELECT partner_id FROM cci_pressure_audience)
            UNION ALL
            SELECT DISTINCT TRUE, company_id, mailing_id FROM tgt
             WHERE company_id IN (SELECT company_id FROM cci_pressure_audience)
            """.format(targets=targets),
            {"all": True},
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
        """A contact who asked for peace until a date is over on every day before it."""
        self.env.cr.execute(
            """
            INSERT INTO cci_pressure_over (rule_id, company, key, k, knext)
            SELECT %(rule)s, FALSE, partner_id, 0,
                   least(ceil(date_part('epoch', max(no_solicit)::timestamp - %(d0)s::timestamp)
                              / 86400)::int, %(h)s + 1)
              FROM cci_pressure_audience
             WHERE no_solicit IS NOT NULL AND no_solicit::timestamp > %(d0)s::timestamp
             GROUP BY partner_id
            """,
            {"rule": NO_SOLICIT_RULE, "d0": fields.Datetime.to_string(date), "h": horizon},
        )

    def _cci_alone_over(self, weight):
        """The rules this mailing alone exceeds: every recipient is over them, every day."""
        return self.filtered(lambda r: cents(r.max_weight) < cents(weight))

    def _cci_load_checks(self, weight, planned_rows, any_day=False):
        """(SQL, params): per key of ``{contacts}`` and ``{companies}`` (the history of each
        scope) and of cci_pressure_plan, ``rule_ids``, the rules over which its load is: on
        the date itself (the planned mailings that count on day 0), or with ``any_day`` its
        whole load (every planned mailing that counts on some day), above which no day can
        be; ``planned_ids``, the rules in which planned mailings count for it. One pass per
        scope, one sum per rule and key."""
        params = {}
        parts = []
        for scope, source, company in (("contact", "{contacts}", "FALSE"),
                                       ("company", "{companies}", "TRUE")):
            rules = self.filtered(lambda r, scope=scope: r.scope == scope)
            if not rules:
                continue
            plan = {}  # {mailing id: [its weight for each rule, 0 where it does not count]}
            for rule_id, mailing_id, lo, _hi, w, _dep in planned_rows:
                if rule_id in rules.ids and (any_day or lo == 0):
                    plan.setdefault(mailing_id, [0] * len(rules))[rules.ids.index(rule_id)] = \
                        cents(w)
            checks, planned = [], []
            for n, rule in enumerate(rules):
                hist = ["fd > %d" % -rule.window_days]
                if rule.category_ids:
                    hist.append("category_id = ANY(%%(cats_%d)s)" % rule.id)
                    params["cats_%d" % rule.id] = rule.category_ids.ids
                if rule.department_ids:
                    hist.append("department_id = ANY(%%(deps_%d)s)" % rule.id)
                    params["deps_%d" % rule.id] = rule.department_ids.ids
                load = "COALESCE(sum(w) FILTER (WHERE %s), 0)" % " AND ".join(hist)
                if plan:
                    load += " + sum(p%d)" % n
                    planned.append("CASE WHEN sum(p%d) > 0 THEN %d END" % (n, rule.id))
                params["lim_%d" % rule.id] = cents(rule.max_weight) - cents(weight)
                checks.append("CASE WHEN %s > %%(lim_%d)s::int THEN %d END"
                              % (load, rule.id, rule.id))
            columns = "".join(", 0 AS p%d" % n for n in range(len(rules))) if plan else ""
            rows = "SELECT key, fd, w, category_id, department_id%s FROM %s" % (columns, source)
            if plan:
                # whole numbers computed here, written in the SQL
                values = ", ".join("(%s)" % ", ".join("%d" % v for v in [mailing_id] + ws)
                                   for mailing_id, ws in plan.items())
                names = ["p%d" % n for n in range(len(rules))]
                rows += """
                    UNION ALL
                    SELECT p.key, NULL, NULL, NULL, NULL, {weights}
                      FROM cci_pressure_plan p
                      JOIN (VALUES {values}) AS pw(mailing_id, {names})
                        ON pw.mailing_id = p.mass_mailing_id
                     WHERE p.company = {company}
                """.format(weights=", ".join("pw." + n for n in names), values=values,
                           names=", ".join(names), company=company)
            parts.append("""
                SELECT {company} AS company, key,
                       array_remove(ARRAY[{checks}], NULL) AS rule_ids,
                       array_remove(ARRAY[{planned}]::int[], NULL) AS planned_ids
                  FROM ({rows}) src GROUP BY key
            """.format(company=company, checks=", ".join(checks),
                       planned=", ".join(planned), rows=rows))
        return " UNION ALL ".join(parts), params

    def _cci_evaluate_day0(self, weight, planned_rows, date, exclude_mailing_id):
        """Fill cci_pressure_over with the (rule, key) over quota on the date itself,
        straight from the ledger's window: what the sending needs, and nothing else."""
        if not self:
            return
        checks, params = self._cci_load_checks(weight, planned_rows)
        window, window_params = self._cci_window(date, exclude_mailing_id, materialized=False)
        params.update(window_params)
        self.env.cr.execute(
            window + """
            INSERT INTO cci_pressure_over (rule_id, company, key, k, knext)
            SELECT unnest(rule_ids), company, key, 0, 1 FROM ({checks}) x
            """.format(checks=checks.format(contacts="hist_contacts",
                                            companies="hist_companies")),
            params,
        )

    def _cci_sweep(self, weight, horizon, planned_rows):
        """Fill cci_pressure_over with the days 0 to ``horizon`` when each (rule, key) of
        cci_pressure_heavy is over. With no planned mailing, what counts only ends as the
        days pass: over from the date until the last end after which the rest still exceeds
        the limit. Otherwise the starts and ends of what counts, summed in day order, give
        the load of each stretch of days."""
        if not self:
            return
        self.env.cr.execute(
            RULES_CTE + """,
            hev AS (
                SELECT y.rule_id, h.company, h.key, y.planned,
                       least(h.fd + r.win - 1, %(h)s) AS hi, h.w
                  FROM cci_pressure_hist h
                  JOIN cci_pressure_heavy y ON y.company = h.company AND y.key = h.key
                  JOIN r ON r.id = y.rule_id AND h.fd > -r.win AND """ + FILTERS + """
            ),
            ends AS (
                SELECT e.rule_id, e.company, e.key, e.hi,
                       sum(e.w) OVER (PARTITION BY e.rule_id, e.company, e.key
                                      ORDER BY e.hi DESC) AS load
                  FROM hev e WHERE NOT e.planned
            ),
            pts AS (
                SELECT e.rule_id, e.company, e.key, v.k, sum(v.d)::int AS d
                  FROM (SELECT e.rule_id, e.company, e.key, 0 AS lo, e.hi, e.w
                          FROM hev e WHERE e.planned
                        UNION ALL
                        SELECT pr.rule_id, p.company, p.key, pr.lo, pr.hi, pr.w
                          FROM cci_pressure_plan p
                          JOIN pr ON pr.mailing_id = p.mass_mailing_id
                          JOIN cci_pressure_heavy y ON y.rule_id = pr.rule_id
                                                   AND y.company = p.company AND y.key = p.key
                       ) e,
                       LATERAL (VALUES (e.lo, e.w), (e.hi + 1, -e.w)) v(k, d)
                 GROUP BY 1, 2, 3, 4
            ),
            seg AS (
                SELECT p.rule_id, p.company, p.key, p.k,
                       lead(p.k, 1, %(h)s + 1) OVER w AS knext, sum(p.d) OVER w AS load
                  FROM pts p WINDOW w AS (PARTITION BY p.rule_id, p.company, p.key ORDER BY p.k)
            )
            INSERT INTO cci_pressure_over (rule_id, company, key, k, knext)
            SELECT e.rule_id, e.company, e.key, 0, max(e.hi) + 1
              FROM ends e JOIN r ON r.id = e.rule_id
             WHERE e.load > r.lim
             GROUP BY e.rule_id, e.company, e.key
            UNION ALL
            SELECT s.rule_id, s.company, s.key, s.k, s.knext
              FROM seg s JOIN r ON r.id = s.rule_id
             WHERE s.load > r.lim AND s.k <= %(h)s
            """,
            dict(self._cci_params(weight, planned_rows), h=horizon),
        )

    # ------------------------------------------------------------------
    # Reading the evaluation
    # ------------------------------------------------------------------

    @api.model
    def _cci_over_now(self):
        """{res_id: [rule ids]} of the recipients over on the date itself (day 0)."""
        self.env.cr.execute(
            "SELECT res_id, array_agg(rule_id ORDER BY rule_id) FROM (" + HITS + ") h"
            " GROUP BY res_id")
        return dict(self.env.cr.fetchall())

    @api.model
    def _cci_counts(self):
        """(recipients over on day 0, {rule id: recipients over it on day 0})."""
        self.env.cr.execute(
            "SELECT rule_id, count(DISTINCT res_id) FROM (" + HITS + ") h"
            " GROUP BY GROUPING SETS ((rule_id), ())")
        by_rule, total = {}, 0
        for rule_id, n in self.env.cr.fetchall():
            if rule_id is None:
                total = n
            else:
                by_rule[rule_id] = n
        return total, by_rule

    def _cci_by_department(self, planned_rows):
        """{department id or None: recipients over on day 0 for whom that department's
        solicitations (sent or planned) count in a quota they exceed}."""
        if not self:
            return {}
        self.env.cr.execute(
            RULES_CTE + """,
            over0 AS (
                SELECT rule_id, company, key FROM cci_pressure_over
                 WHERE k = 0 AND rule_id <> %(no_solicit)s
            ),
            deps AS (
                SELECT h.department_id, o.company, o.key
                  FROM over0 o
                  JOIN cci_pressure_hist h ON h.company = o.company AND h.key = o.key
                  JOIN r ON r.id = o.rule_id AND h.fd > -r.win AND """ + FILTERS + """
                UNION
                SELECT pr.dep, o.company, o.key
                  FROM over0 o
                  JOIN cci_pressure_plan p ON p.company = o.company AND p.key = o.key
                  JOIN pr ON pr.mailing_id = p.mass_mailing_id AND pr.rule_id = o.rule_id
                             AND pr.lo = 0
            )
            SELECT department_id, count(*) FROM (
                SELECT d.department_id, a.res_id
                  FROM deps d JOIN cci_pressure_audience a ON a.partner_id = d.key
                 WHERE NOT d.company
                UNION
                SELECT d.department_id, a.res_id
                  FROM deps d JOIN cci_pressure_audience a ON a.company_id = d.key
                 WHERE d.company
            ) x GROUP BY department_id
            """,
            dict(self._cci_params(0.0, planned_rows), no_solicit=NO_SOLICIT_RULE),
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _cci_best_day(self, horizon):
        """(day, recipients over that day): the first day in [0, horizon] with the fewest.

        The stretches of each key (over any rule) are merged into islands; a recipient is
        over on the days of its contact's and its company's islands: merged again for the
        recipients whose contact has islands, counted per company for the others. The
        starts and ends of the islands, summed in order, give the count of each day.
        """
        self.env.cr.execute(
            """
            WITH key_isl AS MATERIALIZED (
                SELECT company, key, min(k) AS k0, max(knext) AS k1
                  FROM (""" + ISLANDS.format(src="cci_pressure_over", part="company, key") + """
                       ) x GROUP BY company, key, island
            ),
            contact_isl AS MATERIALIZED (SELECT key, k0, k1 FROM key_isl WHERE NOT company),
            company_isl AS MATERIALIZED (SELECT key, k0, k1 FROM key_isl WHERE company),
            aud AS MATERIALIZED (
                SELECT a.res_id, a.company_id, c.key IS NOT NULL AS own
                  FROM cci_pressure_audience a
                  LEFT JOIN (SELECT DISTINCT key FROM contact_isl) c ON c.key = a.partner_id
            ),
            own AS (
                SELECT a.res_id, c.k0 AS k, c.k1 AS knext
                  FROM cci_pressure_audience a JOIN contact_isl c ON c.key = a.partner_id
                UNION ALL
                SELECT a.res_id, c.k0, c.k1
                  FROM aud a JOIN company_isl c ON c.key = a.company_id
                 WHERE a.own
            ),
            spans AS (
                SELECT min(k) AS k0, max(knext) AS k1, 1 AS n
                  FROM (""" + ISLANDS.format(src="own", part="res_id") + """) x
                 GROUP BY res_id, island
                UNION ALL
                SELECT c.k0, c.k1, b.n
                  FROM company_isl c
                  JOIN (SELECT company_id, count(*) AS n FROM aud WHERE NOT own
                         GROUP BY company_id) b ON b.company_id = c.key
            ),
            deltas AS (
                SELECT k, sum(d) AS d FROM (
                    SELECT k0 AS k, n AS d FROM spans
                    UNION ALL
                    SELECT k1, -n FROM spans WHERE k1 <= %(h)s
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
               ceil(date_part('epoch', i.date - %(d0)s::timestamp) / 86400)::int AS fd,
               COALESCE(mw.w, 100) AS w, mw.category_id AS cci_category_id
          FROM {source}
          LEFT JOIN mw ON mw.id = i.mass_mailing_id
         WHERE i.is_solicitation AND i.date > %(start)s AND i.date <= %(d0)s
           AND i.mass_mailing_id IS DISTINCT FROM %(exclude)s AND COALESCE(mw.w, 100) > 0
"""
# Each mailing's weight in hundredths (a row without a mailing, or of a mailing without a
# category, weighs 1) and category.
MAILING_WEIGHTS = """
    mw AS (
        SELECT m.id, round(COALESCE(c.weight, 1.0) * 100)::int AS w,
               m.cci_category_id AS category_id
          FROM mail_mass_mailing m LEFT JOIN cci_mailing_category c ON c.id = m.cci_category_id
    )"""
WINDOW_ONE_PASS = """
    WITH {weights},
    win AS MATERIALIZED ({rows}),
    win_contacts AS (
        SELECT * FROM win WHERE partner_id IN (SELECT partner_id FROM cci_pressure_audience)
    ),
    win_companies AS (
        SELECT * FROM win
         WHERE commercial_partner_id IN (SELECT company_id FROM cci_pressure_audience)
    )
""".format(weights=MAILING_WEIGHTS, rows=WINDOW_ROWS.format(source="cci_interaction i"))
WINDOW_PER_KEY = """
    WITH {weights},
    win_contacts AS ({contacts}),
    win_companies AS ({companies})
""".format(
    weights=MAILING_WEIGHTS,
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
    SELECT FALSE AS company, partner_id AS key, fd, w, cci_category_id AS category_id,
           department_id
      FROM win_contacts
"""
# The companies: one row per mailing that reached any of their contacts.
HISTORY_COMPANIES = """
    SELECT TRUE AS company, commercial_partner_id AS key, max(fd) AS fd, max(w) AS w,
           min(cci_category_id) AS category_id, min(department_id) AS department_id
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

# The recipients over on day 0, per rule: (res_id, rule_id).
HITS = """
    SELECT a.res_id, o.rule_id
      FROM cci_pressure_over o JOIN cci_pressure_audience a ON a.partner_id = o.key
     WHERE o.k = 0 AND NOT o.company
    UNION ALL
    SELECT a.res_id, o.rule_id
      FROM cci_pressure_over o JOIN cci_pressure_audience a ON a.company_id = o.key
     WHERE o.k = 0 AND o.company
"""
# The stretches [k, knext) of {src}, numbered per {part} into islands of stretches that
# overlap or touch (as ``island``).
ISLANDS = """
    SELECT {part}, k, knext,
           count(*) FILTER (WHERE k > prev_end) OVER (PARTITION BY {part} ORDER BY k, knext)
               AS island
      FROM (SELECT {part}, k, knext,
                   max(knext) OVER (PARTITION BY {part} ORDER BY k, knext
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                       AS prev_end
              FROM {src}) s
"""
