from psycopg2 import sql

from odoo import api, fields, models
from odoo.addons.cci_marketing.models.res_partner_figures_nightly import WRITE_MARGIN
from odoo.addons.cci_marketing.tools import render

# A solicitation counts in a rule of W days while its date is after now - W days (see the
# engine's WINDOW_ROWS): between two runs it leaves the window if its date is in
# (since - W, now - W], and enters it (a meeting planned ahead) if in (since, now]. A day
# of margin on each side costs little and covers a run whose clock differs a little.
WINDOW_MOVED = sql.SQL("""
    SELECT partner_id, commercial_partner_id FROM cci_interaction
     WHERE is_solicitation
       AND date > %(since)s::timestamp - ({days} + 1) * interval '1 day'
       AND date <= %(now)s::timestamp - ({days} - 1) * interval '1 day'
""")
# ... the solicitations whose day came (planned ahead), the contacts with new rows (their
# siblings' company figures moved), and those whose "no solicitation until" ended.
OTHER_MOVES = """
    SELECT partner_id, commercial_partner_id FROM cci_interaction
     WHERE is_solicitation AND date > %(since)s::timestamp - interval '1 day'
       AND date <= %(now)s::timestamp + interval '1 day'
    UNION ALL
    SELECT partner_id, commercial_partner_id FROM cci_interaction WHERE id > %(since_id)s
    UNION ALL
    SELECT id, commercial_partner_id FROM res_partner
     WHERE cci_no_solicit_until > (%(since)s::timestamp - interval '1 day')::date
       AND cci_no_solicit_until <= (%(now)s::timestamp + interval '1 day')::date
"""
PRESSURE_MOVED = sql.SQL("""
    WITH moved AS MATERIALIZED ({moves})
    SELECT partner_id FROM moved WHERE partner_id IS NOT NULL
    UNION
    SELECT partner.id FROM res_partner partner
     WHERE %(companies)s AND partner.commercial_partner_id IN (
         SELECT commercial_partner_id FROM moved WHERE commercial_partner_id IS NOT NULL)
""")


class ResPartner(models.Model):
    """The nightly refresh of the quota used: the partners whose windows moved."""

    _inherit = "res.partner"

    @api.model
    def _cci_refresh_incremental(self, mark, now):
        ids = super()._cci_refresh_incremental(mark, now)
        if ids is not None:  # everyone's pressure was refreshed with their figures
            extra = set(self._cci_pressure_moved_since(mark, now)) - set(ids)
            self._cci_refresh_pressure(sorted(extra), now=now)
        return ids

    @api.model
    def _cci_pressure_moved_since(self, mark, now):
        rules = self.env["cci.pressure.rule"].sudo().search([])  # pylint: disable=no-search-all
        moves = [WINDOW_MOVED.format(days=sql.Literal(days))
                 for days in sorted(set(rules.mapped("window_days")))]
        statement = PRESSURE_MOVED.format(
            moves=sql.SQL(" UNION ALL ").join(moves + [sql.SQL(OTHER_MOVES)]))
        since = fields.Datetime.from_string(mark["at"]) - WRITE_MARGIN
        self.env.cr.execute(render(self.env.cr, statement), {
            "since": fields.Datetime.to_string(since), "now": now,
            "since_id": mark["previous_id"],
            "companies": any(rule.scope == "company" for rule in rules)})
        return [r[0] for r in self.env.cr.fetchall()]
