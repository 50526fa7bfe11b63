import math
from datetime import timedelta

from psycopg2 import sql

from odoo import api, fields, models
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL
from odoo.addons.cci_marketing.tools import sql_settings

from . import cci_pressure_sql as q

NO_SOLICIT_RULE = 0  # pseudo-rule id of res.partner.cci_no_solicit_until
# Above this many recipients (system parameter ONE_PASS_PARAM), the window of the ledger is
# read once for all of them; below, each recipient's rows through the partial indexes (a
# sending batch, a small mailing).
ONE_PASS_PARAM = "cci_pressure.one_pass_audience"
ONE_PASS_AUDIENCE = 5000
# From this share of the partners (WHOLE_WINDOW_PARAM), the check on the date counts the
# window whole rather than narrowed to the audience first (see q.WINDOW_WHOLE).
WHOLE_WINDOW_PARAM = "cci_pressure.whole_window_share"
WHOLE_WINDOW_SHARE = 0.25
AUDIENCE = sql.Identifier("cci_pressure_audience")


def cents(weight):
    """Weights and maxima have two decimals: the queries add them as whole hundredths,
    exactly, and faster than decimals."""
    return int(round((weight or 0.0) * 100))


class CciPressureEngine(models.AbstractModel):
    """The solicitation quotas, counted: reads the rules, the ledger and the planned
    mailings, and answers who is over which quota on a date and on the days after it.

    Set-based, per key (a contact, or a company for the per-company quotas), not per
    recipient: the audience in one statement, the planned mailings' keys in one, the
    ledger's window in one read with one grouped sum per key and quota; then, at send time,
    the keys over on the date, else the days over up to the horizon of the keys that can be
    over at all. The work tables (see ``cci_pressure_sql``) live only inside ``_evaluate``.

    Its methods are private: they take SQL from their callers, so XML-RPC must not reach
    them (the public surface is the mailing's and the partner's, see CONTRACT.md).
    """

    _name = "cci.pressure.engine"
    _description = "Solicitation quota engine"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _evaluate(self, audience, weight, category, department, moment, horizon,
                 sending=False, exclude_mailing=None):
        """How ``audience`` stands against the quotas if a mailing of this ``weight``,
        ``category`` and ``department`` leaves at ``moment``, and on each of the
        ``horizon`` days after it.

        ``audience``: (SQL, params) selecting (res_id, partner_id, company_id, no_solicit),
        see ``_given``; ``exclude_mailing``: the mailing checked, whose own rows and plan do
        not count; ``sending``: it leaves now (the planned mailings due now that have not
        started compete with it instead of counting).

        Returns a dict: ``total`` recipients; with ``sending``, ``over`` {res_id: [rule
        ids]} and ``no_solicit`` {res_id: date} of those paused; else ``over_count``,
        ``by_rule`` {rule id: recipients} and ``by_department`` {department id or None:
        recipients}; ``best``, (day, recipients over then) when ``horizon`` and anyone is
        over, else None. ``NO_SOLICIT_RULE`` stands for the partner's pause.
        """
        # Compiling these queries (PostgreSQL's JIT) costs more than running them; their
        # sorts of a large audience fit in memory with more than the default 4 MB; the
        # work tables' statistics, for the plans of the next statements only, are read
        # from a sample of 3,000 rows instead of 30,000 (a tenth of the ANALYZEs' time).
        with sql_settings(self.env.cr, jit="off", work_mem="256MB",
                          default_statistics_target="10"):
            return self._run(audience, weight, category, department, moment, horizon,
                                  sending, exclude_mailing)

    @api.model
    def _given(self, recipients):
        """The audience of ``_evaluate`` for these recipients, [(res_id, partner_id, ...)]."""
        return q.RECIPIENTS, {"res": [r[0] for r in recipients],
                              "partners": [r[1] or None for r in recipients]}

    @api.model
    def _usage(self, partner_ids, now):
        """(SQL, params): a WITH whose last queries are ``targets`` (id, company_id,
        no_solicit) of these partners (all if None) and ``usage`` (company, key, ratio,
        full_): the percentage of its most used quota each contact (company FALSE) and
        company has taken up at ``now``, and whether a solicitation of weight 1 would exceed
        one, counted as ``_evaluate`` counts (nothing planned)."""
        rules = self.env["cci.pressure.rule"].sudo().search([])  # pylint: disable=no-search-all
        if partner_ids is None:
            scope, params = sql.SQL("TRUE"), {}
        else:
            scope, params = sql.SQL("partner.id IN %(ids)s"), {"ids": tuple(partner_ids)}
        targets = sql.SQL(
            "WITH targets AS (SELECT partner.id, partner.id AS partner_id,"
            " partner.commercial_partner_id AS company_id,"
            " partner.cci_no_solicit_until AS no_solicit FROM res_partner partner"
            " WHERE {scope})").format(scope=scope)
        # with no rule, an empty window of contacts: every figure is 0
        scopes = self._scopes(rules) or ["contact"]
        large = partner_ids is None or len(partner_ids) > self._one_pass_audience()
        window, history, window_params = self._window(
            rules, now, 0, audience=sql.Identifier("targets"), large=large, scopes=scopes)
        statement = q.USAGE.format(
            targets=targets, rules=sql.SQL(q.RULES), window=window, history=history,
            history_rows=sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT * FROM {name}").format(name=q.HISTORY[scope][0])
                for scope in scopes))
        params.update(window_params, standard=cents(1.0), **self._params(rules))
        return q.render(self.env.cr, statement), params

    # ------------------------------------------------------------------
    # The evaluation
    # ------------------------------------------------------------------

    def _run(self, audience, weight, category, department, moment, horizon, sending,
                  exclude_mailing):
        cr = self.env.cr
        exclude_id = exclude_mailing.id if exclude_mailing else 0
        for statement in q.TEMP_TABLES + (q.EMPTY_TABLES,):
            cr.execute(statement)
        source, params = audience
        cr.execute(q.render(cr, q.LOAD_AUDIENCE.format(source=sql.SQL(source))), params)
        cr.execute(q.ANALYZE_AUDIENCE)
        cr.execute(q.AUDIENCE_SIZE)
        total = cr.fetchone()[0]
        Rule = self.env["cci.pressure.rule"]
        rules = alone = Rule
        planned = []
        if weight > 0:
            rules = Rule._cci_rules_for(category, department)
            alone = rules.filtered(lambda r: cents(r.max_weight) < cents(weight))
            rules -= alone  # every recipient is over them, every day
            planned = self._add_planned(rules, moment, horizon, sending, exclude_id)
            cr.execute(q.NO_SOLICIT, {"rule": NO_SOLICIT_RULE, "horizon": horizon,
                                      "d0": fields.Datetime.to_string(moment)})
            self._own_choices(category, department, moment, horizon, exclude_id)
            if sending and not horizon:
                self._over_on_date(rules, weight, planned, moment, exclude_id, total)
            else:  # the departments' share and the days after the date read the history
                self._keep_heavy(rules, weight, planned, moment, exclude_id)
                cr.execute(q.ANALYZE_HEAVY)
                self._sweep(rules, weight, horizon, planned)
        result = {"total": total, "best": None}
        if sending:
            cr.execute(q.OVER_NOW)
            over = {}
            for contact_rules, company_rules, res_ids in cr.fetchall():
                rule_ids = sorted(set((contact_rules or []) + (company_rules or [])))
                over.update(dict.fromkeys(res_ids, rule_ids))
            if alone:
                cr.execute(q.AUDIENCE_IDS)
                for res_id, in cr.fetchall():
                    over[res_id] = sorted(set(over.get(res_id, [])) | set(alone.ids))
            cr.execute(q.NO_SOLICIT_DATES,
                       {"res_ids": [r for r, ids in over.items() if NO_SOLICIT_RULE in ids]})
            result.update(over=over, over_count=len(over), no_solicit=dict(cr.fetchall()))
        else:
            result["over_count"], result["by_rule"] = self._counts()
            result["by_department"] = self._by_department(rules, planned)
            if alone and total:
                result["over_count"] = total
                result["by_rule"].update(dict.fromkeys(alone.ids, total))
        if horizon and result["over_count"]:
            result["best"] = (0, total) if alone else self._best_day(horizon)
        return result

    @api.model
    def _one_pass_audience(self):
        return self.env["ir.config_parameter"]._cci_number(ONE_PASS_PARAM, ONE_PASS_AUDIENCE)

    @api.model
    def _scopes(self, rules):
        return [scope for scope in ("contact", "company") if scope in rules.mapped("scope")]

    @api.model
    def _params(self, rules, weight=0.0, planned=()):
        """The rules and the planned mailings' days, as arrays for q.RULES_CTE."""
        rows = list(planned)
        return {
            "rule_ids": rules.ids,
            "windows": [r.window_days for r in rules],
            "maxes": [cents(r.max_weight) for r in rules],
            "weight": cents(weight),
            "companies": [r.scope == "company" for r in rules],
            "any_categories": [not r.category_ids for r in rules],
            "any_departments": [not r.department_ids for r in rules],
            "planned_rules": [row[0] for row in rows],
            "planned_mailings": [row[1] for row in rows],
            "planned_los": [row[2] for row in rows],
            "planned_his": [row[3] for row in rows],
            "planned_weights": [cents(row[4]) for row in rows],
            "planned_departments": [row[5] for row in rows],
        }

    @api.model
    def _window(self, rules, date, exclude_id, audience=AUDIENCE, large=None,
                materialized=True, scopes=None, whole=False):
        """(window, history, params): the pieces of a WITH whose queries ``history_contacts``
        and ``history_companies`` (for the scopes of these rules) hold the ledger's
        solicitations of the audience's contacts and companies in the longest window before
        the date, with their weights: a join per scope, so that PostgreSQL reads a small
        audience through the partial indexes and a large one in one pass over the window;
        ``whole``: with a large one, the window of every key (see q.WINDOW_WHOLE)."""
        start = date - timedelta(days=max(rules.mapped("window_days") or [0]))
        if large is None:
            self.env.cr.execute(q.AUDIENCE_SIZE)
            large = self.env.cr.fetchone()[0] > self._one_pass_audience()
        if large:
            window = (q.WINDOW_WHOLE if whole else q.WINDOW_ONE_PASS).format(
                weights=q.MAILING_WEIGHTS, audience=audience,
                rows=q.WINDOW_ROWS.format(source=sql.SQL("cci_interaction row_")))
        else:
            window = q.WINDOW_PER_KEY.format(
                weights=q.MAILING_WEIGHTS,
                contacts=q.WINDOW_ROWS.format(
                    source=q.WINDOW_CONTACTS_SOURCE.format(audience=audience)),
                companies=q.WINDOW_ROWS.format(
                    source=q.WINDOW_COMPANIES_SOURCE.format(audience=audience)))
        keyword = sql.SQL("MATERIALIZED " if materialized else "")
        history = sql.Composed([
            q.HISTORY_PART.format(name=q.HISTORY[scope][0], materialized=keyword,
                                  query=q.HISTORY[scope][1])
            for scope in (scopes or self._scopes(rules))])
        return window, history, {
            "d0": fields.Datetime.to_string(date),
            "start": fields.Datetime.to_string(start),
            "exclude": exclude_id,
        }

    # ------------------------------------------------------------------
    # The planned mailings
    # ------------------------------------------------------------------

    @api.model
    def _add_planned(self, rules, moment, horizon, sending, exclude_id):
        """The planned mailings (see q.PLANNED_MAILINGS) that count for these rules: their
        keys in cci_pressure_plan; returns their days per rule (see _planned_days)."""
        if not rules:
            return []
        Mailing = self.env[MAILING_MODEL]
        window = timedelta(days=max(rules.mapped("window_days")))
        now = Mailing._cci_now()
        self.env.cr.execute(q.render(self.env.cr, q.PLANNED_MAILINGS), {
            "now": fields.Datetime.to_string(now), "self": exclude_id, "sending": sending,
            "start": fields.Datetime.to_string(moment - window),
            "end": fields.Datetime.to_string(moment + timedelta(days=horizon) + window),
        })
        planned, targets, params = [], [], {}
        for mailing_id, at, started in self.env.cr.fetchall():
            mailing = Mailing.browse(mailing_id)
            at = fields.Datetime.from_string(at) if isinstance(at, str) else at
            rows = self._planned_days(
                rules, moment, horizon, at, mailing._cci_pressure_weight(),
                mailing.cci_category_id, mailing.cci_department_id, mailing.id)
            if rows:
                prefix = "plan%d" % len(targets)
                text, target_params = mailing._cci_pressure_targets(prefix)
                targets.append(q.PLAN_TARGETS.format(
                    targets=sql.SQL(text), mailing=sql.SQL(prefix + "_mailing"),
                    started=sql.SQL(prefix + "_started")))
                params.update(target_params, **{prefix + "_mailing": mailing.id,
                                                prefix + "_started": bool(started)})
                planned += rows
        if targets:
            self.env.cr.execute(q.render(self.env.cr, q.ADD_PLANS.format(
                targets=sql.SQL(" UNION ALL ").join(targets))), params)
        return planned

    @api.model
    def _planned_days(self, rules, date, horizon, at, weight, category, department,
                      mailing_id):
        """[(rule id, mailing id, lo, hi, weight, department id)]: the days [lo, hi] on which
        a mailing planned at ``at`` counts for each rule, ``t - window < at < t + window``."""
        offset = (at - date).total_seconds() / 86400.0
        rows = []
        if weight <= 0:
            return rows
        for rule in rules:
            if (rule.category_ids and category not in rule.category_ids) \
                    or (rule.department_ids and department not in rule.department_ids):
                continue
            lo = max(int(math.floor(offset)) - rule.window_days + 1, 0)
            hi = min(int(math.ceil(offset)) + rule.window_days - 1, horizon)
            if lo <= hi:
                rows.append((rule.id, mailing_id, lo, hi, weight, department.id or None))
        return rows

    # ------------------------------------------------------------------
    # The loads
    # ------------------------------------------------------------------

    @api.model
    def _load_checks(self, rules, weight, planned, any_day=False):
        """(SQL, params): per key of each scope's history and of cci_pressure_plan,
        ``rule_ids``, the rules over which its load is: on the date itself (the planned
        mailings that count on day 0), or with ``any_day`` its whole load (every planned
        mailing that counts on some day), above which no day can be; ``planned_ids``, the
        rules in which planned mailings count for it."""
        params, parts = {}, []
        for scope in self._scopes(rules):
            history = q.HISTORY[scope][0]
            scoped = rules.filtered(lambda r, scope=scope: r.scope == scope)
            plan = {}  # {mailing id: [its weight for each rule, 0 where it does not count]}
            for rule_id, mailing_id, lo, _hi, weight_, _dep in planned:
                if rule_id in scoped.ids and (any_day or lo == 0):
                    plan.setdefault(mailing_id, [0] * len(scoped))[scoped.ids.index(rule_id)] = \
                        cents(weight_)
            names = [sql.Identifier("planned_%d" % n) for n in range(len(scoped))]
            checks, overs, planned_ids = [], [], []
            for rule, name in zip(scoped, names):
                key = "rule_%d" % rule.id
                filters = [q.LOAD_IN_WINDOW.format(window=sql.SQL(key + "_window"))]
                params[key + "_window"] = -rule.window_days
                if rule.category_ids:
                    filters.append(q.LOAD_CATEGORY.format(ids=sql.SQL(key + "_categories")))
                    params[key + "_categories"] = rule.category_ids.ids
                if rule.department_ids:
                    filters.append(q.LOAD_DEPARTMENT.format(ids=sql.SQL(key + "_departments")))
                    params[key + "_departments"] = rule.department_ids.ids
                load = q.LOAD_SUM.format(filters=sql.SQL(" AND ").join(filters))
                if plan:
                    load = sql.SQL("{} + sum({})").format(load, name)
                    planned_ids.append(sql.SQL("CASE WHEN sum({}) > 0 THEN %({})s::int END")
                                       .format(name, sql.SQL(key)))
                params[key] = rule.id
                params[key + "_limit"] = cents(rule.max_weight) - cents(weight)
                over = q.LOAD_OVER.format(load=load, limit=sql.SQL(key + "_limit"))
                overs.append(over)
                checks.append(q.LOAD_CHECK.format(over=over, rule=sql.SQL(key)))
            rows = q.LOAD_ROWS.format(
                history=history,
                columns=sql.SQL("").join(sql.SQL(", 0 AS {}").format(name) for name in names)
                if plan else sql.SQL(""))
            if plan:
                values = []
                for n, (mailing_id, weights) in enumerate(plan.items()):
                    value = ["%s_plan%d_%d" % (scope, n, i) for i in range(len(weights) + 1)]
                    params.update(zip(value, [mailing_id] + weights))
                    values.append(sql.SQL("({})").format(sql.SQL(", ").join(
                        sql.SQL("%({})s::int").format(sql.SQL(v)) for v in value)))
                rows = sql.Composed([rows, q.LOAD_PLANNED_ROWS.format(
                    weights=sql.SQL(", ").join(sql.SQL("planned_weights.{}").format(name)
                                               for name in names),
                    values=sql.SQL(", ").join(values), names=sql.SQL(", ").join(names),
                    company=sql.SQL("TRUE" if scope == "company" else "FALSE"))])
            parts.append(q.LOAD_CHECKS.format(
                company=sql.SQL("TRUE" if scope == "company" else "FALSE"),
                checks=sql.SQL(", ").join(checks), over=sql.SQL(" OR ").join(overs),
                planned=sql.SQL(", ").join(planned_ids), rows=rows))
        return sql.SQL(" UNION ALL ").join(parts), params

    @api.model
    def _over_on_date(self, rules, weight, planned, date, exclude_id, size):
        """Fill cci_pressure_over with the (rule, key) over quota on the date itself, for
        an audience of ``size`` recipients."""
        if not rules:
            return
        checks, params = self._load_checks(rules, weight, planned)
        cr = self.env.cr
        cr.execute(q.PARTNERS_ESTIMATE)
        partners = cr.fetchone()[0]
        large = size > self._one_pass_audience()
        share = self.env["ir.config_parameter"]._cci_number(
            WHOLE_WINDOW_PARAM, WHOLE_WINDOW_SHARE)
        # OVER_NOW joins the keys over to the audience: those of others are left out there
        whole = large and 0 <= partners * share <= size
        window, history, window_params = self._window(
            rules, date, exclude_id, large=large, materialized=False, whole=whole)
        params.update(window_params)
        cr.execute(q.render(cr, q.OVER_ON_DATE.format(
            window=window, history=history, checks=checks)), params)

    @api.model
    def _keep_heavy(self, rules, weight, planned, date, exclude_id):
        """The window of the ledger in cci_pressure_hist, for the keys that can be over on
        some day only, here and in cci_pressure_plan: those whose whole load for a rule
        (its window, every planned mailing that counts for it) exceeds its limit (in
        cci_pressure_heavy). Most keys cannot, and no later step reads them."""
        if not rules:
            return
        window, history, params = self._window(rules, date, exclude_id)
        checks, check_params = self._load_checks(rules, weight, planned, any_day=True)
        kept = sql.SQL(" UNION ALL ").join(
            q.KEEP_SCOPE.format(name=q.HISTORY[scope][0], company=q.HISTORY[scope][2])
            for scope in self._scopes(rules))
        params.update(check_params)
        self.env.cr.execute(q.render(self.env.cr, q.KEEP_HEAVY.format(
            window=window, history=history, checks=checks, kept=kept)), params)

    @api.model
    def _sweep(self, rules, weight, horizon, planned):
        """Fill cci_pressure_over with the days 0 to ``horizon`` when each (rule, key) of
        cci_pressure_heavy is over (see q.SWEEP)."""
        if not rules:
            return
        self.env.cr.execute(q.SWEEP, dict(self._params(rules, weight, planned), horizon=horizon))

    # ------------------------------------------------------------------
    # Reading the evaluation
    # ------------------------------------------------------------------

    @api.model
    def _counts(self):
        """(recipients over on day 0, {rule id: recipients over it on day 0})."""
        self.env.cr.execute(q.COUNTS)
        by_rule, total = {}, 0
        for rule_id, n in self.env.cr.fetchall():
            if rule_id is None:
                total = n
            else:
                by_rule[rule_id] = n
        return total, by_rule

    @api.model
    def _by_department(self, rules, planned):
        """{department id or None: recipients over on day 0 for whom that department's
        solicitations (sent or planned) count in a quota they exceed}."""
        if not rules:
            return {}
        self.env.cr.execute(q.BY_DEPARTMENT, dict(self._params(rules, 0.0, planned),
                                                  no_solicit=NO_SOLICIT_RULE))
        return dict(self.env.cr.fetchall())

    @api.model
    def _best_day(self, horizon):
        """(day, recipients over that day): the first day in [0, horizon] with the fewest;
        a day nobody is over, found first, spares counting the recipients of each day."""
        self.env.cr.execute(q.FIRST_FREE_DAY, {"horizon": horizon})
        free = self.env.cr.fetchone()[0]
        if free is not None:
            return free, 0
        statement = q.BEST_DAY.format(
            key_islands=q.ISLANDS.format(part=sql.SQL("company, key"),
                                         source=sql.Identifier("cci_pressure_over")),
            own_islands=q.ISLANDS.format(part=sql.Identifier("res_id"),
                                         source=sql.Identifier("own")))
        self.env.cr.execute(q.render(self.env.cr, statement), {"horizon": horizon})
        return self.env.cr.fetchone()
