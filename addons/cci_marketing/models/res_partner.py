from odoo import api, models

from ..odoo11 import CONTACT_MODEL

# Contacts who moved to another company take their history along.
FOLLOW_COMPANY = """
    UPDATE cci_interaction interaction
       SET commercial_partner_id = partner.commercial_partner_id
      FROM res_partner partner
     WHERE partner.id = interaction.partner_id AND partner.id = ANY(%(ids)s::int[])
       AND interaction.commercial_partner_id IS DISTINCT FROM partner.commercial_partner_id
"""


class ResPartner(models.Model):
    """The ledger follows its partners: a new address brings the history known by it, a
    contact who changes company takes its history along."""

    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model
    def create(self, vals):
        partner = super().create(vals)
        if partner.email:
            partner._cci_address_changed()
        return partner

    @api.multi
    def write(self, vals):
        moving = "parent_id" in vals or "is_company" in vals
        if moving:
            family = self.with_context(active_test=False).search([("id", "child_of", self.ids)])
            former_companies = family.mapped("commercial_partner_id")
        res = super().write(vals)
        if vals.get("email"):
            self._cci_address_changed()
        elif "opt_out" in vals or "message_bounce" in vals or "email" in vals:
            self._cci_interactions_changed(self.ids)
        if moving:
            family._cci_follow_company(former_companies.ids)
        return res

    def _cci_address_changed(self):
        """A new address: history known only by it and mailing contacts join the partner.

        Deferred capture (a generator that runs ``_backfill()`` at the end) skips it: the
        backfill links and refreshes everything at once.
        """
        if self.env.context.get("cci_capture_deferred"):
            return
        self.env["cci.interaction"]._link_orphans(self.ids)
        self.env[CONTACT_MODEL]._cci_link_partners(partner_ids=self.ids)
        self._cci_interactions_changed(self.ids)

    def _cci_follow_company(self, former_company_ids):
        """Contacts who move to another company take their history along."""
        if not self:
            return
        self.env.cr.execute(FOLLOW_COMPANY, {"ids": list(self.ids)})
        self.env["cci.interaction"].invalidate_cache(["commercial_partner_id"])
        self._cci_interactions_changed(self.ids + list(former_company_ids))
