from datetime import timedelta

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.addons.cci_marketing.tools import parse_datetime
from odoo.exceptions import AccessError, UserError

from . import cci_pressure_sql as q
from .cci_pressure_engine import AUDIENCE, cents

# How far ahead the next free date is looked for (the check's suggestion looks as far).
FREE_HORIZON_DAYS = 90
# At most this many partners per call: a planning tool asks for the people it shows.
MAX_PARTNERS = 5000
# A date to look at, at most this many years ahead.
YEARS_AHEAD = 5


class ResPartner(models.Model):
    """The pressure of partners on a date, for any channel's planning tool (a call-centre
    tool, the forms where a person plans a call or a meeting): per rule, how much is used
    and by which departments, until when the partner asked for peace, and from when a
    solicitation fits again. Counted by the engine, as the check and the sending count."""

    _inherit = "res.partner"

    @api.multi
    def cci_pressure(self, date=False, category_id=False, department_id=False):
        """{partner id (string): {"rules": [{"name", "scope", "used", "max",
        "by_department": {name: weight}}], "blocked_until": date or False,
        "next_free_date": datetime or False}} on ``date`` (default now). See CONTRACT.md.

        ``used`` counts what was sent in the rule's window before the date and the approved
        mailings planned in the window after it. ``next_free_date``: the first moment,
        within 90 days from the date, at which one more solicitation of weight 1 (or of the
        category ``category_id``, for the department ``department_id``) exceeds no rule
        and no pause.
        """
        if not self.env.user.has_group("base.group_user"):
            raise AccessError(_("Only the chamber's employees can read the solicitation "
                                "pressure of partners."))
        self.check_access_rights("read")
        self.check_access_rule("read")
        if len(self) > MAX_PARTNERS:
            raise UserError(_("Ask for the pressure of at most %d partners at a time.")
                            % MAX_PARTNERS)
        moment = parse_datetime(self, date, _("date to look at"),
                                years_ahead=YEARS_AHEAD) if date else False
        moment = moment or fields.Datetime.from_string(fields.Datetime.now())
        category = self._cci_pressure_record(
            "cci.mailing.category", category_id, _("There is no category with the id %r."))
        department = self._cci_pressure_record(
            "cci.department", department_id, _("There is no department with the id %r."))
        # names in the caller's language, the user's when the call says none (XML-RPC)
        partners = self.sudo().with_context(
            lang=self.env.context.get("lang") or self.env.user.lang).exists()
        if not partners:
            return {}
        loads = partners._cci_pressure_loads(moment)
        free = partners._cci_pressure_free_days(moment, category, department)
        return partners._cci_pressure_answer(moment, loads, free)

    # ------------------------------------------------------------------

    @api.model
    def _cci_pressure_record(self, model, record_id, message):
        """The record of ``model`` with this id (an empty one for False), or a UserError."""
        records = self.env[model].sudo().with_context(active_test=False)
        if record_id is False:
            return records
        if not isinstance(record_id, int) or isinstance(record_id, bool) \
                or not records.browse(record_id).exists():
            raise UserError(message % (record_id,))
        return records.browse(record_id)

    def _cci_pressure_audience(self):
        """The engine's audience of these partners: (SQL, params), see ``_given``."""
        return self.env["cci.pressure.engine"]._given([(p.id, p.id) for p in self])

    def _cci_pressure_loads(self, moment):
        """{(rule id, company, key): {department id or None: hundredths}}: what counts for
        each active rule on ``moment``, the history and the planned mailings."""
        engine = self.env["cci.pressure.engine"]
        rules = self.env["cci.pressure.rule"].search([])  # pylint: disable=no-search-all
        if not rules:
            return {}
        cr = self.env.cr
        for statement in q.TEMP_TABLES + (q.EMPTY_TABLES,):
            cr.execute(statement)
        source, audience_params = self._cci_pressure_audience()
        cr.execute(q.render(cr, q.LOAD_AUDIENCE.format(source=sql.SQL(source))),
                   audience_params)
        cr.execute(q.ANALYZE_AUDIENCE)
        planned = engine._add_planned(rules, moment, 0, False, 0)
        window, history, params = engine._window(rules, moment, 0, audience=AUDIENCE)
        statement = q.PARTNER_LOADS.format(
            window=window, history=history, history_rows=sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT * FROM {name}").format(name=q.HISTORY[scope][0])
                for scope in engine._scopes(rules)))
        params.update(engine._params(rules, 0.0, planned))
        self.env.cr.execute(q.render(self.env.cr, statement), params)
        loads = {}
        for rule_id, company, key, department_id, load in self.env.cr.fetchall():
            by_department = loads.setdefault((rule_id, company, key), {})
            by_department[department_id] = by_department.get(department_id, 0) + load
        return loads

    def _cci_pressure_free_days(self, moment, category, department):
        """{partner id: first day (0 to the horizon) a solicitation fits, or None}."""
        engine = self.env["cci.pressure.engine"]
        weight = category.weight if category else 1.0
        run = engine._evaluate(self._cci_pressure_audience(), weight, category, department,
                               moment, FREE_HORIZON_DAYS)
        if weight <= 0:  # it never counts
            return dict.fromkeys(self.ids, 0)
        if not run["over_count"]:
            return dict.fromkeys(self.ids, 0)
        rules = self.env["cci.pressure.rule"]._cci_rules_for(category, department)
        if rules.filtered(lambda r: cents(r.max_weight) < cents(weight)):
            return dict.fromkeys(self.ids)  # a rule that no solicitation of it ever fits
        self.env.cr.execute(q.FREE_DAYS, {"horizon": FREE_HORIZON_DAYS})
        return dict(self.env.cr.fetchall())

    def _cci_pressure_answer(self, moment, loads, free):
        rules = self.env["cci.pressure.rule"].search([])  # pylint: disable=no-search-all
        department_ids = {d for by_dep in loads.values() for d in by_dep if d}
        departments = {d.id: d.name for d in self.env["cci.department"].sudo().with_context(
            active_test=False).browse(department_ids)}
        no_department = _("No department")
        today = moment.date()
        result = {}
        for partner in self:
            answer = []
            for rule in rules:
                company = rule.scope == "company"
                key = partner.commercial_partner_id.id if company else partner.id
                by_department = {}
                for dep_id, load in loads.get((rule.id, company, key), {}).items():
                    name = departments.get(dep_id, no_department)
                    by_department[name] = by_department.get(name, 0) + load / 100.0
                answer.append({
                    "id": rule.id, "name": rule.name, "scope": rule.scope,
                    "window_days": rule.window_days, "max": rule.max_weight,
                    "used": round(sum(by_department.values()), 2),
                    "by_department": by_department,
                })
            pause = partner.cci_no_solicit_until
            day = free.get(partner.id)
            result[str(partner.id)] = {
                "rules": answer,
                "blocked_until": pause if pause and fields.Date.from_string(pause) > today
                else False,
                "next_free_date": False if day is None else fields.Datetime.to_string(
                    moment + timedelta(days=day)),
            }
        return result
