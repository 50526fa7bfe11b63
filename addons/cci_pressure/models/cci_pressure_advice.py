"""Advice where a person solicits someone by hand (a call or a visit planned as an
activity, a meeting, an invitation to an event): how much of each quota the contact and its
company already use, by which departments, and from when a solicitation fits again. Advice,
not a block: the call can still be made, and it then counts."""
from odoo import _, api, fields, models
from odoo.addons.cci_marketing.tools import format_moment
from odoo.exceptions import AccessError
from odoo.tools import html_escape

from .res_partner_pressure_api import FREE_HORIZON_DAYS


def format_weight(env, value):
    """A weight as the reader's language writes numbers (1,5 in French)."""
    lang = env["res.lang"]._lang_get(env.context.get("lang") or "en_US")
    return ("%g" % round(value, 2)).replace(".", lang.decimal_point or ".")


# At most this many people in one box (a meeting's attendees, a group's registrations).
MAX_ADVISED = 10


class CciPressureAdvice(models.AbstractModel):
    """The advice box of a form: the model says whom it solicits (``_cci_advised``) and
    declares what that depends on by overriding ``_compute_cci_pressure_advice``."""

    _name = "cci.pressure.advice"
    _description = "Solicitation pressure advice"

    cci_pressure_advice = fields.Html("Solicitation pressure",
                                      compute="_compute_cci_pressure_advice", sanitize=False)

    def _compute_cci_pressure_advice(self):
        for record in self:
            partners, kind, options = record._cci_advised()
            record.cci_pressure_advice = record._cci_advice_html(partners, kind, **options)

    def _cci_advised(self):
        """(partners, channel kind, options of ``_cci_advice_html``) of this record."""
        raise NotImplementedError

    @api.model
    def _cci_advice_html(self, partners, kind, activity_type=None, meeting_tags=None,
                         user=None):
        """The box for these partners (their companies' quotas included) before a
        solicitation of ``kind`` (a channel's kind; of that activity type, with those
        meeting tags) by ``user`` (default: the reader), or
        False (the form hides the box) when there is nobody to advise on or the reader may
        not see their pressure."""
        partners = partners.filtered("id")[:MAX_ADVISED]
        if not partners or not self.env.user.has_group("base.group_user"):
            return False
        now = fields.Datetime.now()
        try:
            category = self.env["cci.solicitation.channel"]._cci_category_of(
                kind, activity_type, meeting_tags)
            department = (user or self.env.user).sudo().cci_department_ids[:1]
            answers = partners.cci_pressure(date=now, category_id=category.id,
                                            department_id=department.id)
        except AccessError:
            return False
        blocks = [self._cci_advice_block(partner, answers.get(str(partner.id)), now)
                  for partner in partners]
        return ('<div class="cci_pressure_advice">%s<p class="text-muted">%s</p></div>'
                % ("".join(block for block in blocks if block), html_escape(
                    _("Advice only: you can still go ahead, and it will count."))))

    @api.model
    def _cci_advice_block(self, partner, answer, now):
        if not answer:
            return ""
        lines = []
        for rule in answer["rules"]:
            whom = (partner.commercial_partner_id if rule["scope"] == "company"
                    else partner).display_name
            departments = ", ".join(
                "%s %s" % (name, format_weight(self.env, weight))
                for name, weight in sorted(rule["by_department"].items()) if weight)
            line = _("%(rule)s (%(whom)s): %(used)s of %(max)s used") % {
                "rule": rule["name"], "whom": whom, "used": format_weight(self.env, rule["used"]),
                "max": format_weight(self.env, rule["max"])}
            if departments:
                line = _("%(line)s, by %(departments)s") % {
                    "line": line, "departments": departments}
            lines.append(line)
        if answer["blocked_until"]:
            lines.append(_("Asked not to be solicited until %s.") % format_moment(
                self, answer["blocked_until"], time=False))
        if answer["next_free_date"] is False:
            lines.append(_("No solicitation fits within the next %d days.") % FREE_HORIZON_DAYS)
        elif answer["next_free_date"] > now:
            lines.append(_("A solicitation fits again from %s.")
                         % format_moment(self, answer["next_free_date"]))
        else:
            lines.append(_("A solicitation fits now."))
        return "<p><strong>%s</strong></p><ul>%s</ul>" % (
            html_escape(_("Solicitation pressure of %s") % partner.display_name),
            "".join("<li>%s</li>" % html_escape(line) for line in lines))

