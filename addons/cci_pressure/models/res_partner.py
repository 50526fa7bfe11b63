from odoo import _, api, fields, models
from odoo.addons.cci_marketing.tools import parse_datetime

# A contact who never wants to be solicited is paused until a far year (2999), but the
# year 9999 is a typing mistake that breaks the date arithmetic.
NO_SOLICIT_LAST_YEAR = 2999

# After the engine's ``_usage``: each partner's figure, the higher of its own and its
# company's; at quota when a solicitation of weight 1 would exceed one of their rules (what
# the check would say), blocked while the partner asked for no solicitation; written where
# it changed.
WRITE_PRESSURE = """,
    figures AS (
        SELECT target.id,
               round(greatest(COALESCE(own.ratio, 0), COALESCE(company.ratio, 0)))::int AS ratio,
               COALESCE(own.full_, FALSE) OR COALESCE(company.full_, FALSE) AS full_,
               COALESCE(target.no_solicit::timestamp > %(d0)s::timestamp, FALSE) AS blocked
          FROM targets target
          LEFT JOIN usage own ON NOT own.company AND own.key = target.id
          LEFT JOIN usage company ON company.company AND company.key = target.company_id
    ),
    levels AS (
        SELECT id, ratio, CASE WHEN blocked THEN 'blocked' WHEN full_ THEN 'full'
                               WHEN ratio <= 0 THEN 'none' WHEN ratio < 50 THEN 'low'
                               WHEN ratio < 100 THEN 'high' ELSE 'full' END AS level
          FROM figures
    )
    UPDATE res_partner partner
       SET cci_pressure_ratio = levels.ratio, cci_pressure_level = levels.level
      FROM levels
     WHERE partner.id = levels.id
       AND (partner.cci_pressure_ratio IS DISTINCT FROM levels.ratio
            OR partner.cci_pressure_level IS DISTINCT FROM levels.level)
    RETURNING partner.id
"""
PRESSURE_LEVELS = [
    ("none", "Not solicited"),
    ("low", "Low"),
    ("high", "High"),
    ("full", "At quota"),
    ("blocked", "No solicitation wanted"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    cci_no_solicit_until = fields.Date(
        string="No solicitation until",
        track_visibility="onchange",
        copy=False,
        help="The contact asked not to receive any solicitation before this date: every "
        "mailing that counts in the quotas leaves them out until then, whatever the rules.",
    )
    cci_pressure_ratio = fields.Integer(
        string="Quota used (%)",
        readonly=True,
        copy=False,
        help="How much of its tightest quota the partner has used today (a company: its "
        "contacts together). Refreshed when the partner receives a mailing and every night.",
    )
    cci_pressure_level = fields.Selection(
        PRESSURE_LEVELS,
        string="Pressure",
        readonly=True,
        copy=False,
        default="none",
        index=True,
        help="Low: under half of a quota used; High: half or more; At quota: the next "
        "solicitation that counts would be held back; No solicitation wanted: the partner "
        "asked for no solicitation until a date.",
    )

    @api.model
    def create(self, vals):
        self._cci_check_no_solicit(vals)
        partner = super().create(vals)
        if vals.get("cci_no_solicit_until"):
            self._cci_refresh_pressure(partner.ids)
        return partner

    @api.multi
    def write(self, vals):
        self._cci_check_no_solicit(vals)
        res = super().write(vals)
        if "cci_no_solicit_until" in vals:  # blocked, or no longer
            self._cci_refresh_pressure(self.ids)
        return res

    @api.model
    def _cci_check_no_solicit(self, vals):
        """A date in another form, or out of range, is refused in plain words (Odoo's own
        parsing fails with a raw error, and would accept the year 9999)."""
        if vals.get("cci_no_solicit_until"):
            parse_datetime(self, vals["cci_no_solicit_until"], _("No solicitation until"),
                           last_year=NO_SOLICIT_LAST_YEAR)

    @api.model
    def _cci_refresh_tracking_fields(self, partner_ids=None, now=None):
        changed = super()._cci_refresh_tracking_fields(partner_ids, now=now)
        if partner_ids is None or partner_ids:
            self._cci_refresh_pressure(partner_ids, now=now)
        return changed

    @api.model
    def _cci_refresh_pressure(self, partner_ids=None, now=None):
        """Recompute the quota used by these partners (all if None), in one statement, with
        the engine's counting; the nightly refresh of cci_marketing's figures runs it for
        everyone.

        A contact's figure is the highest of its own rules (scope contact) and its
        company's (scope company); only changed rows are written.
        """
        if partner_ids is not None and not partner_ids:
            return []
        now = now or fields.Datetime.now()
        if isinstance(now, str):
            now = fields.Datetime.from_string(now)
        usage, params = self.env["cci.pressure.engine"]._usage(partner_ids, now)
        self.env.cr.execute(usage + WRITE_PRESSURE, params)
        changed = [row[0] for row in self.env.cr.fetchall()]
        if changed:
            self.invalidate_cache(["cci_pressure_ratio", "cci_pressure_level"], changed)
        return changed
