"""What a moderator's decision changes to the quotas, before she takes it: this mailing's
figures on the date chosen, and how many more (or fewer) recipients of each other planned
mailing would be over quota. Counted by the same engine as ``cci_check_pressure``: each
other mailing is checked as things stand, then as they would stand after the decision (the
decision written in a savepoint that is rolled back)."""
from datetime import timedelta

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.addons.cci_marketing.odoo11 import MAILING_MODEL, MAILING_TABLE
from odoo.exceptions import UserError
from odoo.tools import html_escape

from .mail_mass_mailing import HORIZON_DAYS

DECISIONS = ("approve", "postpone", "reject")
# The other planned mailings checked, nearest to the date first: a planning has a handful.
MAX_OTHERS = 20
PLAN_AS = sql.SQL(
    "UPDATE {table} SET cci_moderation_state = %(moderation)s, state = %(state)s,"
    " schedule_date = %(date)s WHERE id = %(id)s").format(table=sql.Identifier(MAILING_TABLE))


class _WhatIf(Exception):
    """Rolls the savepoint of a what-if back."""


class MailMassMailing(models.Model):
    _inherit = MAILING_MODEL

    @api.multi
    def cci_check_decision(self, decision="approve", date=False):
        """What ``decision`` (approve, postpone or reject) on ``date`` would change, before it
        is taken (moderators only). Returns ``mailing``: the figures of cci_check_pressure on
        that date (False to reject); ``others``: for each other planned mailing whose number
        of recipients over quota changes, {id, name, date, over_quota_before,
        over_quota_after, change}."""
        self._cci_pressure_one()
        self._cci_check_moderator()
        if decision not in DECISIONS:
            raise UserError(_("Choose the decision to check: approve, postpone or reject."))
        moment = self._cci_pressure_moment(date)
        mine = False
        if decision != "reject":
            mine = self._cci_pressure_result(moment, HORIZON_DAYS)
        return {"mailing": mine, "others": self._cci_decision_impact(decision, moment)}

    def _cci_decision_impact(self, decision, moment):
        """[{id, name, date, over_quota_before, over_quota_after, change}] of the other
        planned mailings whose recipients over quota change if ``decision`` is taken with
        this mailing going out at ``moment`` (a datetime)."""
        self.ensure_one()
        others = self._cci_impact_candidates(moment)
        if not others:
            return []
        before = {other.id: other._cci_over_now() for other in others}
        if decision == "reject":
            plan = {"moderation": "rejected", "state": "draft", "date": None}
        else:
            plan = {"moderation": "approved", "state": "in_queue",
                    "date": fields.Datetime.to_string(moment)}
        after = self._cci_what_if(plan, lambda: {o.id: o._cci_over_now() for o in others})
        result = []
        for other in others:
            if after[other.id] != before[other.id]:
                result.append({
                    "id": other.id,
                    "name": other.name,
                    "date": fields.Datetime.to_string(other._cci_pressure_moment(False)),
                    "over_quota_before": before[other.id],
                    "over_quota_after": after[other.id],
                    "change": after[other.id] - before[other.id],
                })
        return result

    def _cci_impact_candidates(self, moment):
        """The other planned (submitted or approved, not sent) mailings that this one can
        compete with, now or at ``moment``: those within the longest quota window."""
        rules = self.env["cci.pressure.rule"].sudo().search([])  # pylint: disable=no-search-all
        if not rules or self._cci_pressure_weight() <= 0:
            return self.browse()
        window = timedelta(days=max(rules.mapped("window_days")))
        dates = [moment, self._cci_pressure_moment(False)]
        others = self.sudo().search([
            ("id", "!=", self.id), ("cci_moderation_state", "in", ("submitted", "approved")),
            ("state", "in", ("draft", "in_queue")),
        ])
        near = []
        for other in others:
            at = other._cci_pressure_moment(False)
            gap = min(abs(at - day) for day in dates)
            if gap < window:
                near.append((gap, other.id, other))
        near.sort(key=lambda row: row[:2])
        return self.sudo().browse([row[1] for row in near[:MAX_OTHERS]])

    def _cci_over_now(self):
        """How many of this mailing's recipients are over quota on its planned date."""
        self.ensure_one()
        return self.sudo()._cci_pressure_run(self._cci_pressure_moment(False), 0)["over_count"]

    def _cci_what_if(self, plan, compute):
        """``compute()`` with this mailing's moderation state, sending state and date set to
        ``plan`` ({moderation, state, date}) in the database, then put back as they were."""
        self.ensure_one()
        cr = self.env.cr
        fnames = ["cci_moderation_state", "state", "schedule_date"]
        try:
            with cr.savepoint():
                cr.execute(PLAN_AS, dict(plan, id=self.id))
                self.invalidate_cache(fnames, self.ids)
                raise _WhatIf(compute())
        except _WhatIf as undone:
            return undone.args[0]
        finally:
            self.invalidate_cache(fnames, self.ids)

    @api.model
    def _cci_impact_html(self, others):
        """The effect on the other planned mailings, as the decision dialog shows it."""
        if not others:
            return "<p>%s</p>" % html_escape(
                _("No other planned mailing has more or fewer recipients over quota."))
        items = []
        for other in others:
            change = other["change"]
            if change > 0:
                text = _("%(name)s: %(count)d more recipients over quota") if change > 1 \
                    else _("%(name)s: 1 more recipient over quota")
            else:
                text = _("%(name)s: %(count)d fewer recipients over quota") if change < -1 \
                    else _("%(name)s: 1 fewer recipient over quota")
            line = text % {"name": other["name"], "count": abs(change)}
            detail = _("planned for %(date)s; over quota: %(before)d, then %(after)d") % {
                "date": self._cci_format_date(other["date"]),
                "before": other["over_quota_before"], "after": other["over_quota_after"]}
            items.append("<li><strong>%s</strong> (%s)</li>" % (html_escape(line),
                                                               html_escape(detail)))
        return "<ul>%s</ul>" % "".join(items)
