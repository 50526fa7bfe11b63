from datetime import timedelta

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.addons.cci_marketing.models.cci_interaction import email_sql, partner_by_email_sql
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL
from odoo.addons.cci_marketing.tools import (
    DECISION_YEARS_AHEAD,
    check_one,
    format_moment,
    parse_datetime,
    render,
    window_action,
)
from odoo.exceptions import AccessError, UserError

from .cci_pressure_engine import NO_SOLICIT_RULE
from .cci_pressure_rule import MAX_WINDOW_DAYS
from .cci_pressure_sql import (
    TARGETS_BY_ID,
    TARGETS_JOINED,
    TARGETS_OTHERS,
    TARGETS_PARTNERS,
    named,
)

HORIZON_DAYS = 90
# Row of ir_config_parameter that every send-time check updates: two checks running at the
# same time are serialized on it, and one that started from an older snapshot of the
# database fails (and is retried by Odoo) instead of missing the other's recipients.
SEND_LOCK_KEY = "cci_pressure.send_lock"


class MailMassMailing(models.Model):
    _inherit = MAILING_MODEL

    cci_category_id = fields.Many2one(
        "cci.mailing.category", string="Category", index=True, ondelete="restrict",
        help="What kind of message this is; its weight is what the mailing costs each "
        "recipient in the solicitation quotas. Required to submit the mailing.",
    )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def _cci_check_submittable(self):
        res = super()._cci_check_submittable()
        if not self.cci_category_id:
            raise UserError(
                _("Choose the category of the mailing '%s' (newsletter, invitation, commercial "
                  "offer...) before submitting it: the solicitation quotas depend on it.")
                % self.name
            )
        return res

    @api.model
    def _cci_watched_fields(self):
        return super()._cci_watched_fields() | {"cci_category_id"}

    def _cci_followup_values(self, audience, res_ids):
        values = super()._cci_followup_values(audience, res_ids)
        values["cci_category_id"] = self.cci_category_id.id
        return values

    @api.multi
    def action_cci_postpone_to_suggested(self):
        """Move the mailing to the date when the fewest recipients are over quota: the
        moderator postpones a submitted or approved mailing; the requester of a draft
        changes the date they ask for."""
        for mailing in self:
            result = mailing._cci_pressure_result(mailing._cci_pressure_moment(False),
                                                  HORIZON_DAYS)
            suggested = result["suggested_date"]
            if not suggested or suggested == result["date"]:
                raise UserError(
                    _("No date within %(days)d days has fewer recipients over quota for the "
                      "mailing '%(name)s'.") % {"days": HORIZON_DAYS, "name": mailing.name}
                )
            if mailing.cci_moderation_state in ("submitted", "approved"):
                reason = mailing._cci_suggested_reason(result)
                if self.env.context.get("cci_decide_in_dialog"):
                    # from the form: the decision dialog, with the date, the impact and a
                    # reason she can rewrite
                    mailing._cci_check_decision("postpone")
                    return mailing._cci_decision_dialog("postpone", suggested, reason)
                mailing.action_cci_postpone(suggested, reason)
            else:
                mailing.write({"cci_requested_date": suggested})
        return True

    @api.model
    def _cci_suggested_reason(self, result):
        """The reason given when postponing to the suggested date (the moderator's to
        rewrite in the decision dialog)."""
        return _("Postponed to the date when the fewest recipients are over their "
                 "solicitation quotas (%(then)d instead of %(now)d).") % {
            "then": result["suggested_over_quota"], "now": result["over_quota"]}

    def _cci_decision_dialog(self, decision, date, reason):
        """The moderator's decision dialog on this mailing, filled in."""
        self.ensure_one()
        return window_action(
            self.env, "cci_marketing.cci_moderation_wizard_action", [],
            {"default_mass_mailing_id": self.id, "default_decision": decision,
             "default_schedule_date": date, "default_reason": reason})

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------

    @api.multi
    def cci_check_pressure(self, date=False):
        """How the recipients stand against the quotas if this mailing goes out at ``date``
        (default: its schedule, else the requested date, else now). See CONTRACT.md."""
        self._cci_pressure_one()
        return self._cci_pressure_result(self._cci_pressure_moment(date), HORIZON_DAYS)

    @api.multi
    def cci_suggest_date(self, horizon_days=HORIZON_DAYS):
        """The first date within ``horizon_days`` at which the fewest recipients are over
        quota ('YYYY-MM-DD HH:MM:SS', UTC), or False when nobody is over quota."""
        self._cci_pressure_one()
        if (not isinstance(horizon_days, int) or isinstance(horizon_days, bool)
                or not 1 <= horizon_days <= MAX_WINDOW_DAYS):
            raise UserError(_("The number of days to look ahead must be a whole number between "
                              "1 and %d.") % MAX_WINDOW_DAYS)
        result = self._cci_pressure_result(self._cci_pressure_moment(False), horizon_days)
        return result["suggested_date"]

    # ------------------------------------------------------------------
    # Recipient pipeline: over-quota recipients are left out at send time
    # ------------------------------------------------------------------

    def _cci_exclusions(self, recipients):
        excluded = super()._cci_exclusions(recipients)
        rest = [r for r in recipients if r[0] not in excluded]
        if rest:
            excluded.update(self._cci_pressure_exclusions(rest))
        return excluded

    def _cci_pressure_exclusions(self, recipients):
        """{res_id: reason} of the recipients over quota now, checked afresh, in SQL; with
        ``cci_preview`` in the context, those it would leave out on its planned date (the
        list of who would be held back), without the sending's lock."""
        self.ensure_one()
        if self._cci_pressure_weight() <= 0:
            return {}
        if self.env.context.get("cci_preview"):
            moment = self._cci_pressure_moment(False)
        else:
            self._cci_pressure_lock()
            moment = self._cci_now()
        run = self.sudo()._cci_pressure_run(moment, 0, recipients=recipients, sending=True)
        rules = self.env["cci.pressure.rule"].sudo().with_context(active_test=False)
        names = {r.id: r.name for r in rules.browse(
            {rid for ids in run["over"].values() for rid in ids if rid > NO_SOLICIT_RULE})}
        own = self._cci_own_choice_names()
        reasons = {}
        for res_id, rule_ids in run["over"].items():
            texts = []
            if NO_SOLICIT_RULE in rule_ids:
                texts.append(_("no solicitation wanted before %s")
                             % format_moment(self, run["no_solicit"][res_id], time=False))
            texts += [own[r] for r in rule_ids if r in own]
            quotas = [names[r] for r in rule_ids if r in names]
            if quotas:
                texts.append(_("over quota (%s)") % ", ".join(quotas))
            reasons[res_id] = "; ".join(texts)
        return reasons

    def _cci_own_choice_names(self):
        """The names of the contact's own choices that this mailing can run into."""
        return self.env["cci.pressure.engine"]._own_choice_names(
            self.cci_category_id.sudo(), self.cci_department_id.sudo())

    def _cci_pressure_lock(self):
        self.env.cr.execute(
            """
            INSERT INTO ir_config_parameter (key, value, create_uid, create_date, write_uid,
                                             write_date)
            VALUES (%(key)s, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,
                                            write_date = EXCLUDED.write_date
            """,
            {"key": SEND_LOCK_KEY, "now": fields.Datetime.now(), "uid": self.env.uid},
        )

    # ------------------------------------------------------------------
    # The check
    # ------------------------------------------------------------------

    @api.model
    def _cci_pressure_allowed(self):
        return self.env.user.has_group("cci_marketing.group_cci_user")

    def _cci_pressure_one(self):
        check_one(self, _("Check the quotas of one mailing at a time."))

    @api.model
    def _cci_now(self):
        return fields.Datetime.from_string(fields.Datetime.now())

    def _cci_pressure_moment(self, date):
        """The date to check, never in the past: the given one, else the planned one."""
        now = self._cci_now()
        if date:
            moment = parse_datetime(self, date, _("date to check"),
                                    years_ahead=DECISION_YEARS_AHEAD)
        else:
            # a planned date out of range (written by hand) is told, not an overflow
            moment = parse_datetime(self, self._cci_current_date(), _("planned date")) or now
        return max(moment, now)

    def _cci_pressure_weight(self):
        return self.cci_category_id.weight if self.cci_category_id else 1.0

    def _cci_pressure_result(self, moment, horizon):
        """The public figures of cci_check_pressure, as a plain dict."""
        self.check_access_rights("read")
        self.check_access_rule("read")
        if not self._cci_pressure_allowed():
            raise AccessError(_("Only the departments' members and the marketing manager can "
                                "check the solicitation quotas of a mailing."))
        run = self.sudo()._cci_pressure_run(moment, horizon)
        # names in the caller's language, the user's when the call says none (XML-RPC)
        lang = self.env.context.get("lang") or self.env.user.lang
        Rule = self.env["cci.pressure.rule"].sudo().with_context(active_test=False, lang=lang)
        names = {r.id: r.name for r in Rule.browse(
            [rid for rid in run["by_rule"] if rid > NO_SOLICIT_RULE])}
        names[NO_SOLICIT_RULE] = _("No solicitation wanted before a date")
        names.update(self.with_context(lang=lang)._cci_own_choice_names())
        departments = {d.id: d.name for d in self.env["cci.department"].sudo().with_context(
            active_test=False).browse([d for d in run["by_department"] if d])}
        no_department = _("No department")
        over = run["over_count"]
        suggested = suggested_over = False
        if over and run["best"]:
            day, suggested_over = run["best"]
            suggested = fields.Datetime.to_string(moment + timedelta(days=day))
        by_rule, by_department = {}, {}
        for rule_id, n in run["by_rule"].items():
            by_rule[names[rule_id]] = by_rule.get(names[rule_id], 0) + n
        for dep_id, n in run["by_department"].items():
            name = departments.get(dep_id, no_department)
            by_department[name] = by_department.get(name, 0) + n
        return {
            "date": fields.Datetime.to_string(moment),
            "total": run["total"],
            "ok": run["total"] - over,
            "over_quota": over,
            "by_rule": by_rule,
            "by_department": by_department,
            "suggested_date": suggested,
            "suggested_over_quota": suggested_over,
            "horizon_days": horizon,
        }

    def _cci_pressure_run(self, moment, horizon, recipients=None, sending=False):
        """The engine's evaluation (see cci.pressure.engine's ``_evaluate``) of this
        mailing's recipients (or the given ``recipients``, [(res_id, partner_id, email)]) on
        ``moment`` and the ``horizon`` days after it; ``sending``: it leaves now."""
        self.ensure_one()
        Engine = self.env["cci.pressure.engine"]
        audience = Engine._given(recipients) if recipients is not None \
            else self._cci_pressure_targets("target")
        return Engine._evaluate(audience, self._cci_pressure_weight(), self.cci_category_id,
                               self.cci_department_id, moment, horizon, sending=sending,
                               exclude_mailing=self)

    def _cci_pressure_targets(self, prefix):
        """(SQL, params; their names begin with ``prefix``) selecting (res_id, partner_id,
        company_id, no_solicit) of this mailing's targets: the partner of each (its
        contact, else the oldest active partner with its address), the partner's company
        and the date until which the partner wants no solicitation. The engine reads the
        audience and the planned mailings' recipients with it."""
        self.ensure_one()
        table, partner_col, email_col = self._cci_recipient_columns()
        from_clause, where_clause, params = self._cci_pressure_from_where(prefix)
        name = sql.Identifier(table)
        if table == "res_partner":
            statement = TARGETS_PARTNERS.format(table=name, from_=from_clause,
                                                where=where_clause)
        else:
            partner = sql.Identifier(table, partner_col) if partner_col \
                else sql.SQL("NULL::integer")
            statement = TARGETS_OTHERS.format(
                table=name, from_=from_clause, partner=partner, where=where_clause,
                partner_by_email=partner_by_email_sql(
                    email_sql(sql.Identifier(table, email_col)), unless=partner))
        return render(self.env.cr, statement), params

    def _cci_pressure_from_where(self, prefix):
        """(FROM, WHERE, params) selecting this mailing's targets from their table, named by
        its own name: the domain's own query when it reads that table alone, so that the
        targets are read in one pass and no ids go through Python."""
        self.ensure_one()
        Target = self.env[self.mailing_model_real].sudo()
        table = sql.Identifier(Target._table)
        if not self.mailing_domain:
            return table, sql.SQL("FALSE"), {}
        if self.contact_ab_pc < 100:
            ids = prefix + "_ids"
            return table, TARGETS_BY_ID.format(table=table, ids=sql.SQL(ids)), {
                ids: self.sudo().get_recipients() or []}
        from_clause, where_clause, params = self._cci_domain_sql()
        where, params = named(where_clause or "TRUE", params, prefix)
        if from_clause.strip() == render(self.env.cr, table):
            return table, sql.SQL(where), params
        return table, TARGETS_JOINED.format(table=table, from_=sql.SQL(from_clause),
                                            where=sql.SQL(where)), params
