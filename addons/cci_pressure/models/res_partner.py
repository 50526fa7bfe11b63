from odoo import _, api, fields, models
from odoo.addons.cci_marketing.tools import parse_datetime

# A contact who never wants to be solicited is paused until a far year (2999), but the
# year 9999 is a typing mistake that breaks the date arithmetic.
NO_SOLICIT_LAST_YEAR = 2999

PRESSURE_LEVELS = [
    ("none", "Not solicited"),
    ("low", "Low"),
    ("high", "High"),
    ("full", "At quota"),
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
        "mailing that counts would be held back.",
    )

    @api.model
    def create(self, vals):
        self._cci_check_no_solicit(vals)
        return super().create(vals)

    @api.multi
    def write(self, vals):
        self._cci_check_no_solicit(vals)
        return super().write(vals)

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
        """Recompute the quota used by these partners (all if None), in one statement; the
        nightly refresh of cci_marketing's figures runs it for everyone.

        A contact's figure is the highest of its own rules (scope contact) and its
        company's (scope company); only changed rows are written.
        """
        rules = self.env["cci.pressure.rule"].sudo().search([])  # pylint: disable=no-search-all
        cr = self.env.cr
        scope, hist_scope = "TRUE", "TRUE"
        params = {
            "rule_ids": rules.ids,
            "wins": [r.window_days for r in rules],
            "maxes": [r.max_weight for r in rules],
            "companies": [r.scope == "company" for r in rules],
            "any_cats": [not r.category_ids for r in rules],
            "any_deps": [not r.department_ids for r in rules],
            "now": now or fields.Datetime.now(),
        }
        if partner_ids is not None:
            if not partner_ids:
                return []
            scope = "p.id IN %(ids)s"
            hist_scope = ("(i.partner_id IN (SELECT id FROM targets)"
                          " OR i.commercial_partner_id IN (SELECT company_id FROM targets))")
            params["ids"] = tuple(partner_ids)
        cr.execute(
            """
            WITH r AS (
                SELECT * FROM unnest(%(rule_ids)s::int[], %(wins)s::int[], %(maxes)s::numeric[],
                                     %(companies)s::bool[], %(any_cats)s::bool[],
                                     %(any_deps)s::bool[])
                    AS r(id, win, mx, company, any_cat, any_dep)
            ),
            targets AS (
                SELECT p.id, p.commercial_partner_id AS company_id FROM res_partner p
                 WHERE {scope}
            ),
            hist AS (
                SELECT i.partner_id, i.commercial_partner_id, i.date, i.department_id,
                       COALESCE(i.mass_mailing_id, -i.id) AS src,
                       m.cci_category_id AS category_id, COALESCE(c.weight, 1.0)::numeric AS w
                  FROM cci_interaction i
                  LEFT JOIN mail_mass_mailing m ON m.id = i.mass_mailing_id
                  LEFT JOIN cci_mailing_category c ON c.id = m.cci_category_id
                 WHERE i.is_solicitation AND COALESCE(c.weight, 1.0) > 0
                   AND i.date > %(now)s::timestamp - (SELECT max(win) FROM r) * interval '1 day'
                   AND i.date <= %(now)s::timestamp AND {hist_scope}
            ),
            matched AS (
                SELECT r.id, r.mx, r.company,
                       CASE WHEN r.company THEN h.commercial_partner_id ELSE h.partner_id END
                           AS key,
                       max(h.w) AS w
                  FROM hist h
                  JOIN r ON h.date > %(now)s::timestamp - r.win * interval '1 day'
                        AND (r.any_cat OR EXISTS (
                             SELECT 1 FROM cci_pressure_rule_category_rel x
                              WHERE x.rule_id = r.id AND x.category_id = h.category_id))
                        AND (r.any_dep OR EXISTS (
                             SELECT 1 FROM cci_pressure_rule_department_rel x
                              WHERE x.rule_id = r.id AND x.department_id = h.department_id))
                 GROUP BY r.id, r.mx, r.company, 4, h.src
            ),
            ratios AS (
                SELECT company, key, max(CASE WHEN mx > 0 THEN 100 * load / mx ELSE 100 END)
                           AS ratio
                  FROM (SELECT id, mx, company, key, sum(w) AS load FROM matched
                         WHERE key IS NOT NULL GROUP BY 1, 2, 3, 4) l
                 GROUP BY company, key
            ),
            vals AS (
                SELECT t.id,
                       round(greatest(COALESCE(pc.ratio, 0), COALESCE(cc.ratio, 0)))::int
                           AS ratio
                  FROM targets t
                  LEFT JOIN ratios pc ON NOT pc.company AND pc.key = t.id
                  LEFT JOIN ratios cc ON cc.company AND cc.key = t.company_id
            )
            UPDATE res_partner p
               SET cci_pressure_ratio = v.ratio,
                   cci_pressure_level = CASE WHEN v.ratio <= 0 THEN 'none'
                                             WHEN v.ratio < 50 THEN 'low'
                                             WHEN v.ratio < 100 THEN 'high'
                                             ELSE 'full' END
              FROM vals v
             WHERE p.id = v.id
               AND (p.cci_pressure_ratio IS DISTINCT FROM v.ratio
                    OR p.cci_pressure_level IS DISTINCT FROM
                       CASE WHEN v.ratio <= 0 THEN 'none' WHEN v.ratio < 50 THEN 'low'
                            WHEN v.ratio < 100 THEN 'high' ELSE 'full' END)
            RETURNING p.id
            """.format(scope=scope, hist_scope=hist_scope),
            params,
        )
        changed = [row[0] for row in cr.fetchall()]
        if changed:
            self.invalidate_cache(["cci_pressure_ratio", "cci_pressure_level"], changed)
        return changed
