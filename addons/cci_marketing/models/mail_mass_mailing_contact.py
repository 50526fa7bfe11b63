from psycopg2 import sql

from odoo import api, fields, models

from ..odoo11 import CONTACT_MODEL, CONTACT_TABLE
from ..tools import render
from .cci_interaction import email_sql, partner_by_email_sql

# Each contact of {scope} (one of LINK_SCOPES) takes the oldest active partner with its
# address, or none.
LINK_PARTNERS = sql.SQL("""
    UPDATE {contact_table} contact SET cci_partner_id = linked.partner_id
      FROM (SELECT scoped.id, {partner} AS partner_id
              FROM {contact_table} scoped
             WHERE {scope}) linked
     WHERE contact.id = linked.id AND contact.cci_partner_id IS DISTINCT FROM linked.partner_id
    RETURNING contact.id
""")
LINK_SCOPES = {
    "contacts": sql.SQL("scoped.id = ANY(%(ids)s::int[])"),
    # the contacts whose address one of these partners has
    "partners": sql.SQL("{scoped} IN (SELECT {given} FROM res_partner given"
                        " WHERE given.id = ANY(%(ids)s::int[]))").format(
                            scoped=email_sql("scoped.email"), given=email_sql("given.email")),
    "everyone": sql.SQL("TRUE"),
}
# The partners with the address of these contacts.
PARTNERS_OF_CONTACTS = sql.SQL("""
    SELECT partner.id FROM res_partner partner
      JOIN {contact_table} contact ON {partner_email} = {contact_email}
     WHERE contact.id = ANY(%(ids)s::int[])
""").format(contact_table=sql.Identifier(CONTACT_TABLE),
            partner_email=email_sql("partner.email"), contact_email=email_sql("contact.email"))


class MailMassMailingContact(models.Model):
    """A mailing contact is linked to the partner with the same address, so that a
    marketer can target contacts by their partner's engagement and hygiene
    (e.g. ``[('cci_partner_id.cci_engaged_90d', '=', True)]``)."""

    _inherit = CONTACT_MODEL

    cci_partner_id = fields.Many2one(
        "res.partner",
        string="Linked contact",
        readonly=True,
        index=True,
        ondelete="set null",
        help="The contact of the address book with the same e-mail address, if any.",
    )
    cci_email_health = fields.Selection(
        related="cci_partner_id.cci_email_health", string="E-mail health", readonly=True
    )
    cci_engagement_score = fields.Integer(
        related="cci_partner_id.cci_engagement_score", string="Engagement score",
        readonly=True,
    )

    @api.model
    def create(self, vals):
        contact = super().create(vals)
        if self.env.context.get("cci_capture_deferred"):
            return contact  # the closing backfill links every contact at once
        contact._cci_link_partners(contact_ids=contact.ids)
        if vals.get("opt_out") or vals.get("message_bounce"):
            contact._cci_refresh_partners()
        return contact

    @api.multi
    def write(self, vals):
        if "email" in vals:
            self._cci_refresh_partners()  # the partner of the former address
        res = super().write(vals)
        if "email" in vals:
            self._cci_link_partners(contact_ids=self.ids)
        if {"email", "opt_out", "message_bounce"} & set(vals):
            self._cci_refresh_partners()
        return res

    @api.model
    def _cci_link_partners(self, contact_ids=None, partner_ids=None):
        """Link contacts to the oldest active partner with their address, in SQL.

        Scope: these contacts, or the contacts whose address one of these partners has,
        or (neither given) every contact.
        """
        if contact_ids:
            scope, ids = "contacts", contact_ids
        elif partner_ids:
            scope, ids = "partners", partner_ids
        else:
            scope, ids = "everyone", []
        self.env.cr.execute(render(self.env.cr, LINK_PARTNERS.format(
            contact_table=sql.Identifier(CONTACT_TABLE), scope=LINK_SCOPES[scope],
            partner=partner_by_email_sql(email_sql("scoped.email")))), {"ids": list(ids)})
        changed = [r[0] for r in self.env.cr.fetchall()]
        if changed:
            self.invalidate_cache(["cci_partner_id"], changed)
        return changed

    def _cci_refresh_partners(self):
        """Opt-out and bounces of an address protect the partner with that address."""
        if not self.ids:
            return
        self.env.cr.execute(render(self.env.cr, PARTNERS_OF_CONTACTS), {"ids": list(self.ids)})
        partner_ids = [r[0] for r in self.env.cr.fetchall()]
        self.env["res.partner"]._cci_interactions_changed(partner_ids)
