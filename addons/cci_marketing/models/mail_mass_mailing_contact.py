from odoo import api, fields, models

from .cci_interaction import email_sql, partner_by_email_sql


class MailMassMailingContact(models.Model):
    """A mailing contact is linked to the partner with the same address, so that a
    marketer can target contacts by their partner's engagement and hygiene
    (e.g. ``[('cci_partner_id.cci_engaged_90d', '=', True)]``)."""

    _inherit = "mail.mass_mailing.contact"

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
        where, params = "TRUE", {}
        if contact_ids:
            where, params = "mc.id IN %(ids)s", {"ids": tuple(contact_ids)}
        elif partner_ids:
            where = ("{mc} IN (SELECT {rp} FROM res_partner rp WHERE rp.id IN %(ids)s)"
                     .format(mc=email_sql("mc.email"), rp=email_sql("rp.email")))
            params = {"ids": tuple(partner_ids)}
        self.env.cr.execute(
            """
            UPDATE mail_mass_mailing_contact c SET cci_partner_id = m.partner_id
              FROM (SELECT mc.id, {partner} AS partner_id
                      FROM mail_mass_mailing_contact mc
                     WHERE {where}) m
             WHERE c.id = m.id AND c.cci_partner_id IS DISTINCT FROM m.partner_id
            RETURNING c.id
            """.format(partner=partner_by_email_sql(email_sql("mc.email")), where=where),
            params,
        )
        changed = [r[0] for r in self.env.cr.fetchall()]
        if changed:
            self.invalidate_cache(["cci_partner_id"], changed)
        return changed

    def _cci_refresh_partners(self):
        """Opt-out and bounces of an address protect the partner with that address."""
        if not self.ids:
            return
        self.env.cr.execute(
            "SELECT rp.id FROM res_partner rp JOIN mail_mass_mailing_contact mc"
            " ON {rp} = {mc} WHERE mc.id IN %s".format(
                rp=email_sql("rp.email"), mc=email_sql("mc.email")),
            (tuple(self.ids),),
        )
        partner_ids = [r[0] for r in self.env.cr.fetchall()]
        self.env["res.partner"]._cci_interactions_changed(partner_ids)
