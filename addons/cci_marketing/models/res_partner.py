from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .cci_interaction import KINDS, email_sql

HEALTH = [
    ("ok", "OK"),
    ("bounced", "Bounced"),
    ("opted_out", "Opted out"),
    ("dormant", "Dormant"),
]

# Definitions of the tracking-derived fields (documented in readme/USAGE.rst).
DORMANT_MIN_RECEIVED = 5  # mailings received in the last 365 days ...
DORMANT_SILENT_DAYS = 180  # ... and no open, click or reply for this long
BOUNCE_COUNTER_LIMIT = 3  # Odoo's own bounce counter: repeated soft bounces

TIMELINE_FIELDS = [
    "date", "kind", "name", "department_id", "partner_id", "commercial_partner_id",
    "user_id", "email", "res_model", "res_id", "mass_mailing_id", "is_solicitation",
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    cci_interaction_count = fields.Integer(
        string="Interactions", compute="_compute_cci_interaction_count"
    )
    cci_last_solicitation_date = fields.Datetime(
        string="Last solicitation", readonly=True, copy=False
    )
    cci_solicitation_count_30d = fields.Integer(
        string="Solicitations (30 days)", readonly=True, copy=False
    )
    cci_solicitation_count_90d = fields.Integer(
        string="Solicitations (90 days)", readonly=True, copy=False
    )
    cci_solicitation_count_365d = fields.Integer(
        string="Solicitations (365 days)", readonly=True, copy=False
    )
    cci_mailing_received_count = fields.Integer(
        string="Mailings received", readonly=True, copy=False
    )
    cci_mailing_opened_count = fields.Integer(string="Mailings opened", readonly=True, copy=False)
    cci_mailing_clicked_count = fields.Integer(
        string="Mailings clicked", readonly=True, copy=False
    )
    cci_open_rate = fields.Float(
        string="Open rate (%)", readonly=True, copy=False, digits=(5, 1)
    )
    cci_click_rate = fields.Float(
        string="Click rate (%)", readonly=True, copy=False, digits=(5, 1)
    )
    cci_last_open_date = fields.Datetime(string="Last open", readonly=True, copy=False)
    cci_engagement_score = fields.Integer(
        string="Engagement score",
        readonly=True,
        copy=False,
        help="0 to 100: half for how recently the contact opened, clicked or answered a "
        "mailing, half for how often they did over the last year.",
    )
    cci_email_health = fields.Selection(
        HEALTH,
        string="E-mail health",
        readonly=True,
        copy=False,
        default="ok",
        help="Bounced: the address bounced since the last sign of life, or Odoo counted "
        "repeated bounces. Opted out: the contact asked to receive no more mailings. "
        "Dormant: several mailings received this year, none opened for six months.",
    )

    @api.model_cr
    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS res_partner_cci_health_idx"
            " ON res_partner (cci_email_health)"
        )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model
    def create(self, vals):
        partner = super().create(vals)
        if partner.email:
            self.env["cci.interaction"]._link_orphans(partner.ids)
        return partner

    @api.multi
    def write(self, vals):
        res = super().write(vals)
        if vals.get("email"):
            self.env["cci.interaction"]._link_orphans(self.ids)
        if "parent_id" in vals or "is_company" in vals:
            self._cci_follow_company()
        return res

    def _cci_follow_company(self):
        """A contact who moves to another company takes its history along."""
        self.env.cr.execute(
            """
            UPDATE cci_interaction i SET commercial_partner_id = rp.commercial_partner_id
              FROM res_partner rp
             WHERE rp.id = i.partner_id AND rp.id IN %s
               AND i.commercial_partner_id IS DISTINCT FROM rp.commercial_partner_id
            RETURNING rp.commercial_partner_id
            """,
            (tuple(self.ids),),
        )
        moved = {r[0] for r in self.env.cr.fetchall() if r[0]}
        self._cci_interactions_changed(list(moved | set(self.ids)))

    # ------------------------------------------------------------------
    # Timeline
    # ------------------------------------------------------------------

    def _cci_timeline_domain(self):
        """Rows of these partners; a company's rows include those of all its contacts."""
        domain = []
        for partner in self:
            if partner.commercial_partner_id == partner:
                leaf = [("commercial_partner_id", "=", partner.id)]
            else:
                leaf = [("partner_id", "=", partner.id)]
            domain = ["|"] + domain + leaf if domain else leaf
        return domain or [("id", "=", 0)]

    @api.depends()
    def _compute_cci_interaction_count(self):
        interaction = self.env["cci.interaction"]
        for partner in self:
            partner.cci_interaction_count = (
                interaction.search_count(partner._cci_timeline_domain()) if partner.id else 0
            )

    @api.multi
    def cci_timeline(self, limit=80, offset=0, kinds=False, department_ids=False,
                     date_from=False, date_to=False):
        """The partners' timeline, newest first, as plain dicts (see docs/api.md)."""
        domain = self._cci_timeline_domain() + self._cci_timeline_filters(
            limit, offset, kinds, department_ids, date_from, date_to
        )
        rows = self.env["cci.interaction"].search_read(
            domain, TIMELINE_FIELDS, limit=limit, offset=offset, order="date desc, id desc"
        )
        kind_labels = dict(self.env["cci.interaction"]._fields["kind"]._description_selection(
            self.env))
        for row in rows:
            row["kind_label"] = kind_labels.get(row["kind"], row["kind"])
            row["department"] = row["department_id"] and row["department_id"][1]
            for key in ("department_id", "partner_id", "commercial_partner_id", "user_id",
                        "mass_mailing_id"):
                row[key] = row[key] and row[key][0]
            row["res_model"] = row["res_model"] or False
            row["email"] = row["email"] or False
            row["name"] = row["name"] or False
        return rows

    @api.model
    def _cci_timeline_filters(self, limit, offset, kinds, department_ids, date_from, date_to):
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1 or limit > 1000:
            raise UserError(_("The number of rows asked for must be between 1 and 1000."))
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise UserError(_("The offset must be a positive whole number."))
        domain = []
        if kinds:
            if isinstance(kinds, str):
                kinds = [kinds]
            known = dict(KINDS)
            unknown = [k for k in kinds if k not in known]
            if unknown:
                raise UserError(
                    _("Unknown kind of interaction: %(unknown)s. Known kinds: %(known)s.")
                    % {"unknown": ", ".join(map(str, unknown)), "known": ", ".join(known)}
                )
            domain.append(("kind", "in", list(kinds)))
        if department_ids:
            if isinstance(department_ids, int):
                department_ids = [department_ids]
            if not all(isinstance(d, int) and not isinstance(d, bool) for d in department_ids):
                raise UserError(_("Departments must be given by their ids."))
            domain.append(("department_id", "in", list(department_ids)))
        start = self._cci_parse_datetime(date_from, _("start date"))
        end = self._cci_parse_datetime(date_to, _("end date"), end_of_day=True)
        if start and end and start > end:
            raise UserError(_("The start date must come before the end date."))
        if start:
            domain.append(("date", ">=", fields.Datetime.to_string(start)))
        if end:
            domain.append(("date", "<=", fields.Datetime.to_string(end)))
        return domain

    @api.model
    def _cci_parse_datetime(self, value, label, end_of_day=False):
        """'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS' (UTC) -> datetime, else a clear error."""
        if not value:
            return False
        try:
            if isinstance(value, str) and len(value.strip()) == 10:
                day = fields.Date.from_string(value.strip())
                moment = fields.Datetime.from_string(fields.Date.to_string(day) + " 00:00:00")
                if end_of_day:
                    moment = moment.replace(hour=23, minute=59, second=59)
                return moment
            return fields.Datetime.from_string(value)
        except (ValueError, TypeError, AttributeError):
            raise UserError(
                _("The %(label)s '%(value)s' is not a date: use the form YYYY-MM-DD or "
                  "YYYY-MM-DD HH:MM:SS.") % {"label": label, "value": value}
            )

    @api.multi
    def action_cci_timeline(self):
        self.ensure_one()
        action = self.env.ref("cci_marketing.cci_interaction_action").read()[0]
        action["domain"] = self._cci_timeline_domain()
        action["context"] = {"search_default_group_month": 0}
        action["display_name"] = action["name"] = _("Timeline of %s") % self.display_name
        return action

    # ------------------------------------------------------------------
    # Tracking-derived fields
    # ------------------------------------------------------------------

    @api.model
    def _cci_interactions_changed(self, partner_ids):
        """New rows for these contacts: refresh them and their companies."""
        if not partner_ids:
            return
        self.env.cr.execute(
            "SELECT DISTINCT unnest(ARRAY[id, commercial_partner_id]) FROM res_partner"
            " WHERE id IN %s",
            (tuple(partner_ids),),
        )
        ids = [r[0] for r in self.env.cr.fetchall() if r[0]]
        self._cci_refresh_tracking_fields(ids)

    @api.model
    def _cron_cci_refresh_tracking_fields(self):
        """Nightly: windows move even when nothing happens."""
        self._cci_refresh_tracking_fields(None)
        return True

    @api.model
    def _cci_refresh_tracking_fields(self, partner_ids=None):
        """Recompute the tracking-derived fields in one statement (all partners if None).

        A person's figures come from their own rows; a company's (its own commercial
        partner) from the rows of all its contacts. Only changed rows are written.
        """
        cr = self.env.cr
        scope = "TRUE"
        params = {
            "dormant_received": DORMANT_MIN_RECEIVED,
            "dormant_days": DORMANT_SILENT_DAYS,
            "bounce_limit": BOUNCE_COUNTER_LIMIT,
        }
        if partner_ids is not None:
            if not partner_ids:
                return
            scope = "p.id IN %(ids)s"
            params["ids"] = tuple(partner_ids)
        cr.execute(
            """
            WITH now AS (SELECT (now() AT TIME ZONE 'UTC') AS t),
            targets AS (
                SELECT p.id, (p.commercial_partner_id = p.id) AS is_company, p.opt_out,
                       p.message_bounce, {email} AS email
                  FROM res_partner p WHERE {scope}
            ),
            agg AS (
                SELECT i.id,
                   max(i.date) FILTER (WHERE i.is_solicitation) AS last_sol,
                   count(*) FILTER (WHERE i.is_solicitation
                                    AND i.date > now.t - interval '30 days') AS sol30,
                   count(*) FILTER (WHERE i.is_solicitation
                                    AND i.date > now.t - interval '90 days') AS sol90,
                   count(*) FILTER (WHERE i.is_solicitation
                                    AND i.date > now.t - interval '365 days') AS sol365,
                   count(*) FILTER (WHERE i.kind = 'mailing_sent') AS received,
                   count(*) FILTER (WHERE i.kind = 'mailing_opened') AS opened,
                   count(*) FILTER (WHERE i.kind = 'mailing_clicked') AS clicked,
                   count(*) FILTER (WHERE i.kind = 'mailing_sent'
                                    AND i.date > now.t - interval '365 days') AS received365,
                   count(*) FILTER (WHERE i.kind IN ('mailing_opened', 'mailing_clicked')
                                    AND i.date > now.t - interval '365 days') AS engaged365,
                   max(i.date) FILTER (WHERE i.kind IN ('mailing_opened',
                                                        'mailing_clicked')) AS last_open,
                   max(i.date) FILTER (WHERE i.kind IN ('mailing_opened', 'mailing_clicked',
                                                        'mailing_replied')) AS last_life,
                   max(i.date) FILTER (WHERE i.kind = 'mailing_bounced') AS last_bounce
                  FROM (
                        SELECT t.id, i.date, i.kind, i.is_solicitation
                          FROM targets t
                          JOIN cci_interaction i ON i.commercial_partner_id = t.id
                         WHERE t.is_company
                        UNION ALL
                        SELECT t.id, i.date, i.kind, i.is_solicitation
                          FROM targets t
                          JOIN cci_interaction i ON i.partner_id = t.id
                         WHERE NOT t.is_company
                       ) i CROSS JOIN now
                 GROUP BY i.id
            ),
            optout AS (
                SELECT DISTINCT t.id FROM targets t
                  JOIN mail_mass_mailing_contact mc
                    ON t.email IS NOT NULL AND mc.opt_out AND {mc_email} = t.email
            ),
            vals AS (
                SELECT t.id, a.last_sol,
                   COALESCE(a.sol30, 0) AS sol30, COALESCE(a.sol90, 0) AS sol90,
                   COALESCE(a.sol365, 0) AS sol365, COALESCE(a.received, 0) AS received,
                   COALESCE(a.opened, 0) AS opened, COALESCE(a.clicked, 0) AS clicked,
                   CASE WHEN COALESCE(a.received, 0) = 0 THEN 0 ELSE
                       round(LEAST(100.0, 100.0 * a.opened / a.received), 1) END AS open_rate,
                   CASE WHEN COALESCE(a.received, 0) = 0 THEN 0 ELSE
                       round(LEAST(100.0, 100.0 * a.clicked / a.received), 1) END AS click_rate,
                   a.last_open,
                   round(
                     CASE WHEN a.last_life IS NULL THEN 0
                          WHEN a.last_life >= now.t - interval '30 days' THEN 50
                          WHEN a.last_life <= now.t - interval '365 days' THEN 0
                          ELSE 50 * (1 - (extract(epoch FROM (now.t - a.last_life)) / 86400
                                          - 30) / 335) END
                     + CASE WHEN COALESCE(a.received365, 0) = 0 THEN 0
                            ELSE 50 * LEAST(1.0, a.engaged365::numeric / a.received365) END
                   )::integer AS score,
                   CASE WHEN t.opt_out OR o.id IS NOT NULL THEN 'opted_out'
                        WHEN a.last_bounce IS NOT NULL
                             AND (a.last_life IS NULL OR a.last_bounce > a.last_life)
                             OR COALESCE(t.message_bounce, 0) >= %(bounce_limit)s
                             THEN 'bounced'
                        WHEN COALESCE(a.received365, 0) >= %(dormant_received)s
                             AND (a.last_life IS NULL OR a.last_life <
                                  now.t - %(dormant_days)s * interval '1 day')
                             THEN 'dormant'
                        ELSE 'ok' END AS health
                  FROM targets t CROSS JOIN now
                  LEFT JOIN agg a ON a.id = t.id
                  LEFT JOIN optout o ON o.id = t.id
            )
            UPDATE res_partner p SET
                cci_last_solicitation_date = v.last_sol,
                cci_solicitation_count_30d = v.sol30,
                cci_solicitation_count_90d = v.sol90,
                cci_solicitation_count_365d = v.sol365,
                cci_mailing_received_count = v.received,
                cci_mailing_opened_count = v.opened,
                cci_mailing_clicked_count = v.clicked,
                cci_open_rate = v.open_rate,
                cci_click_rate = v.click_rate,
                cci_last_open_date = v.last_open,
                cci_engagement_score = v.score,
                cci_email_health = v.health
              FROM vals v
             WHERE p.id = v.id AND (
                   p.cci_last_solicitation_date IS DISTINCT FROM v.last_sol
                OR p.cci_solicitation_count_30d IS DISTINCT FROM v.sol30
                OR p.cci_solicitation_count_90d IS DISTINCT FROM v.sol90
                OR p.cci_solicitation_count_365d IS DISTINCT FROM v.sol365
                OR p.cci_mailing_received_count IS DISTINCT FROM v.received
                OR p.cci_mailing_opened_count IS DISTINCT FROM v.opened
                OR p.cci_mailing_clicked_count IS DISTINCT FROM v.clicked
                OR p.cci_open_rate IS DISTINCT FROM v.open_rate
                OR p.cci_click_rate IS DISTINCT FROM v.click_rate
                OR p.cci_last_open_date IS DISTINCT FROM v.last_open
                OR p.cci_engagement_score IS DISTINCT FROM v.score
                OR p.cci_email_health IS DISTINCT FROM v.health)
            RETURNING p.id
            """.format(scope=scope, email=email_sql("p.email"), mc_email=email_sql("mc.email")),
            params,
        )
        changed = [r[0] for r in cr.fetchall()]
        if changed:
            self.invalidate_cache(
                [name for name in self._fields if name.startswith("cci_")
                 and self._fields[name].store], changed
            )
        return changed
