from psycopg2 import sql

from odoo import _, api, models
from odoo.addons.cci_marketing.models.cci_interaction import email_sql
from odoo.addons.cci_marketing.tools import render
from odoo.exceptions import UserError, ValidationError

from .res_partner_preferences import OWN_LIMITS

# The contacts of an address, and what the chamber sent them over a year, per department.
PARTNERS = sql.SQL("SELECT id FROM res_partner WHERE active AND {email} = %(email)s ORDER BY id")
SENT_BY_DEPARTMENT = """
    SELECT department.name, count(*) FROM cci_interaction row_
      LEFT JOIN cci_department department ON department.id = row_.department_id
     WHERE row_.kind = 'mailing_sent' AND row_.partner_id = ANY(%(partners)s)
       AND row_.date > (now() AT TIME ZONE 'UTC') - interval '365 days'
     GROUP BY department.name ORDER BY count(*) DESC, department.name
"""
PAGE_LANG = "fr_FR"


class CciPreferencePage(models.AbstractModel):
    """The preference page a contact reaches from a mailing (its footer link, or the GET
    of the one-click link): what the chamber sends them, in words, and their choices
    (stop everything, no mailings of a department or a kind, a cap of their own, a
    pause), without an account. The route is in controllers/preferences.py."""

    _name = "cci.preference.page"
    _description = "Preference page of a contact"

    @api.model
    def _partners(self, address):
        self.env.cr.execute(render(self.env.cr, PARTNERS.format(email=email_sql("email"))),
                            {"email": address})
        return self.env["res.partner"].sudo().browse([r[0] for r in self.env.cr.fetchall()])

    @api.model
    def _values(self, mailing, address, url, message=None, error=None):
        """The page's values (QWeb ``cci_pressure.preference_page``)."""
        partners = self._partners(address)
        partner = partners[:1]
        self.env.cr.execute(SENT_BY_DEPARTMENT, {"partners": partners.ids or [0]})
        sent = [(name or _("the chamber"), n) for name, n in self.env.cr.fetchall()]
        total = sum(n for _name, n in sent)
        detail = ", ".join(_("%(count)d from %(department)s") % {"count": n, "department": name}
                           for name, n in sent)
        if total == 1:
            sent_words = _("Over the last twelve months the chamber sent you one message: "
                           "%s.") % detail
        elif total:
            sent_words = _("Over the last twelve months the chamber sent you %(total)d "
                           "messages: %(detail)s.") % {"total": total, "detail": detail}
        else:
            sent_words = _("The chamber sent you no message over the last twelve months.")
        opted_out = partners and all(p.opt_out for p in partners)
        return {
            "address": address,
            "url": url,
            "partner": partner,
            "opted_out": opted_out,
            "sent_words": sent_words,
            "choices_words": partner._cci_preferences_words() if partner else [],
            "departments": self.env["cci.department"].sudo().search([("active", "=", True)]),
            "categories": self.env["cci.mailing.category"].sudo().search(
                [("weight", ">", 0)]),
            "own_limits": [(key, label) for key, label in self._own_limit_labels()],
            "message": message,
            "error": error,
            "mailing": mailing,
        }

    @api.model
    def _own_limit_labels(self):
        labels = dict(self.env["res.partner"].fields_get(["cci_own_limit"])["cci_own_limit"]
                      ["selection"])
        return [(key, labels.get(key, key)) for key, _label in OWN_LIMITS]

    @api.model
    def _apply(self, mailing, address, form):
        """Apply the choices the form sent; returns the message to show."""
        origin = _("by the contact, on the preference page")
        if form.get("stop_all"):
            self.env["cci.unsubscribe"].sudo()._unsubscribe(
                mailing, address, origin=_("Unsubscribed from every mailing of the chamber "
                                           "(%s)") % origin)
            return _("Done: the chamber will send you no more mailings.")
        partners = self._partners(address)
        if not partners:
            raise UserError(_("The chamber knows this address from a mailing list only: you "
                              "can unsubscribe from everything, not choose."))
        limit = form.get("own_limit") or "none"
        vals = {
            "cci_own_limit": limit,
            "cci_optout_department_ids": [(6, 0, self._form_ids(form.getlist("department_ids")))],
            "cci_optout_category_ids": [(6, 0, self._form_ids(form.getlist("category_ids")))],
            "cci_no_solicit_until": form.get("pause_until") or False,
        }
        try:
            partners.with_context(cci_preference_origin=origin).write(vals)
        except ValidationError as err:
            raise UserError(err.name)
        if any(p.opt_out for p in partners) and form.get("resubscribe"):
            partners.write({"opt_out": False})
        return _("Your choices are saved.")

    @staticmethod
    def _form_ids(values):
        try:
            return [int(v) for v in values]
        except ValueError:
            raise UserError(_("The form sent a choice that does not exist."))
