from datetime import timedelta

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..odoo11 import CONTACT_MODEL, CONTACT_TABLE, MAILING_TABLE, SOURCE_TRACE
from ..tools import parse_datetime, sql_settings
from .cci_interaction import KINDS, email_sql

HEALTH = [
    ("ok", "OK"),
    ("bounced", "Bounced"),
    ("opted_out", "Opted out"),
    ("dormant", "Dormant"),
]

# Definitions of the tracking-derived fields (documented in readme/USAGE.rst, tested in
# tests/test_partner_tracking_fields.py). A window of N days holds what happened at or
# after the same moment N days ago.
SCORE_RECENCY_FULL_DAYS = 30  # a sign of life this recent earns the full recency half
SCORE_RECENCY_ZERO_DAYS = 365  # ... this old or older earns nothing
DORMANT_MIN_RECEIVED = 5  # mailings received in the last 365 days ...
DORMANT_SILENT_DAYS = 180  # ... no open, click or reply for this long, receiving for as long
BOUNCE_COUNTER_LIMIT = 3  # Odoo's own bounce counter: repeated soft bounces
OVER_SOLICITED_PARAM = "cci_marketing.over_solicited_30d"
OVER_SOLICITED_DEFAULT = 4  # solicitations in 30 days that make a contact over-solicited
ENGAGED_DAYS = 90
TIMELINE_MAX_LIMIT = 1000

TIMELINE_COLUMNS = [
    "id", "date", "kind", "name", "department_id", "department_name", "partner_id",
    "partner_name", "commercial_partner_id", "commercial_partner_name", "user_id",
    "user_name", "email", "res_model", "res_id", "mass_mailing_id", "mass_mailing_name",
    "is_solicitation",
]
TIMELINE_SQL = sql.SQL("""
    SELECT i.id, i.date, i.kind, i.name, i.department_id, d.name, i.partner_id,
           p.display_name, i.commercial_partner_id, c.display_name, i.user_id, up.name,
           i.email, i.res_model, i.res_id, i.mass_mailing_id, src.name, i.is_solicitation
      FROM cci_interaction i
      LEFT JOIN cci_department d ON d.id = i.department_id
      LEFT JOIN res_partner p ON p.id = i.partner_id
      LEFT JOIN res_partner c ON c.id = i.commercial_partner_id
      LEFT JOIN res_users u ON u.id = i.user_id
      LEFT JOIN res_partner up ON up.id = u.partner_id
      LEFT JOIN {mailing} m ON m.id = i.mass_mailing_id
      LEFT JOIN utm_source src ON src.id = m.source_id
     WHERE i.id IN %s
     ORDER BY i.date DESC, i.id DESC
""").format(mailing=sql.Identifier(MAILING_TABLE))

# The refresh of the tracking-derived fields, for the targets selected by {scope}.
# A person summarises its own rows; a company (its own commercial partner) the rows of all
# its contacts. The e-mail health is about the partner's own address only (rows where it is
# the contact, current address), since that is what a mailing to that partner would use;
# only "dormant" summarises the contacts of a company.
REFRESH_SQL = """
WITH targets AS (
    SELECT p.id, (p.commercial_partner_id = p.id) AS is_company, COALESCE(p.opt_out, FALSE)
           AS opt_out, COALESCE(p.message_bounce, 0) AS message_bounce, {email} AS email
      FROM res_partner p WHERE {scope}
),
rows AS (
    SELECT t.id AS target, i.partner_id = t.id AS own, i.date, i.kind, i.is_solicitation,
           i.source_model, i.source_id, i.email
      FROM targets t JOIN cci_interaction i ON i.commercial_partner_id = t.id
     WHERE t.is_company
    UNION ALL
    SELECT t.id, TRUE, i.date, i.kind, i.is_solicitation, i.source_model, i.source_id, i.email
      FROM targets t JOIN cci_interaction i ON i.partner_id = t.id
     WHERE NOT t.is_company
),
per_mail AS (
    SELECT target, source_id,
           max(date) FILTER (WHERE kind = 'mailing_sent') AS sent,
           max(date) FILTER (WHERE kind IN ('mailing_opened', 'mailing_clicked')) AS last_open,
           max(date) FILTER (WHERE kind IN ('mailing_opened', 'mailing_clicked',
                                            'mailing_replied')) AS last_life,
           bool_or(kind = 'mailing_clicked') AS clicked
      FROM rows WHERE source_model = %(trace_source)s
     GROUP BY target, source_id
),
mail_agg AS (
    SELECT target,
           count(*) FILTER (WHERE sent IS NOT NULL) AS received,
           count(*) FILTER (WHERE sent IS NOT NULL AND last_life IS NOT NULL) AS opened,
           count(*) FILTER (WHERE sent IS NOT NULL AND clicked) AS clicked,
           count(*) FILTER (WHERE sent >= %(now)s::timestamp - interval '365 days') AS received365,
           count(*) FILTER (WHERE sent >= %(now)s::timestamp - interval '365 days'
                            AND last_life IS NOT NULL) AS engaged365,
           min(sent) AS first_sent,
           max(last_open) AS last_open,
           max(last_life) AS last_life
      FROM per_mail GROUP BY target
),
row_agg AS (
    SELECT r.target,
           max(r.date) FILTER (WHERE r.is_solicitation) AS last_sol,
           count(*) FILTER (WHERE r.is_solicitation
                            AND r.date >= %(now)s::timestamp - interval '30 days') AS sol30,
           count(*) FILTER (WHERE r.is_solicitation
                            AND r.date >= %(now)s::timestamp - interval '90 days') AS sol90,
           count(*) FILTER (WHERE r.is_solicitation
                            AND r.date >= %(now)s::timestamp - interval '365 days') AS sol365,
           max(r.date) FILTER (WHERE r.own AND r.kind = 'mailing_bounced'
                               AND (r.email IS NULL OR r.email = t.email)) AS own_bounce,
           max(r.date) FILTER (WHERE r.own AND r.kind IN ('mailing_opened', 'mailing_clicked',
                                                          'mailing_replied')) AS own_life
      FROM rows r JOIN targets t ON t.id = r.target
     GROUP BY r.target
),
address AS (
    -- the same address opted out or bounced repeatedly as a mailing contact
    SELECT t.id, bool_or(mc.opt_out) AS opt_out,
           bool_or(COALESCE(mc.message_bounce, 0) >= %(bounce_limit)s) AS bounced
      FROM targets t
      JOIN {contact} mc ON {mc_email} = t.email
     WHERE t.email IS NOT NULL
     GROUP BY t.id
),
vals AS (
    SELECT t.id, r.last_sol,
       COALESCE(r.sol30, 0) AS sol30, COALESCE(r.sol90, 0) AS sol90,
       COALESCE(r.sol365, 0) AS sol365, COALESCE(m.received, 0) AS received,
       COALESCE(m.opened, 0) AS opened, COALESCE(m.clicked, 0) AS clicked,
       CASE WHEN COALESCE(m.received, 0) = 0 THEN 0
            ELSE round(100.0 * m.opened / m.received, 1) END AS open_rate,
       CASE WHEN COALESCE(m.received, 0) = 0 THEN 0
            ELSE round(100.0 * m.clicked / m.received, 1) END AS click_rate,
       m.last_open,
       round(
         CASE WHEN m.last_life IS NULL THEN 0
              WHEN m.last_life >= %(now)s::timestamp - %(recency_full)s * interval '1 day' THEN 50
              WHEN m.last_life <= %(now)s::timestamp - %(recency_zero)s * interval '1 day' THEN 0
              ELSE 50.0 * (%(recency_zero)s
                           - extract(epoch FROM (%(now)s::timestamp - m.last_life)) / 86400.0)
                   / (%(recency_zero)s - %(recency_full)s) END
         + CASE WHEN COALESCE(m.received365, 0) = 0 THEN 0
                ELSE 50.0 * LEAST(1.0, m.engaged365::numeric / m.received365) END
       )::integer AS score,
       CASE WHEN t.opt_out OR COALESCE(a.opt_out, FALSE) THEN 'opted_out'
            WHEN r.own_bounce IS NOT NULL AND (r.own_life IS NULL OR r.own_bounce > r.own_life)
                 OR t.message_bounce >= %(bounce_limit)s OR COALESCE(a.bounced, FALSE)
                 THEN 'bounced'
            WHEN COALESCE(m.received365, 0) >= %(dormant_received)s
                 AND m.first_sent <= %(now)s::timestamp - %(dormant_days)s * interval '1 day'
                 AND (m.last_life IS NULL
                      OR m.last_life <= %(now)s::timestamp - %(dormant_days)s * interval '1 day')
                 THEN 'dormant'
            ELSE 'ok' END AS health
      FROM targets t
      LEFT JOIN mail_agg m ON m.target = t.id
      LEFT JOIN row_agg r ON r.target = t.id
      LEFT JOIN address a ON a.id = t.id
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
"""


class ResPartner(models.Model):
    _inherit = "res.partner"

    cci_interaction_count = fields.Integer(
        string="Interactions", compute="_compute_cci_interaction_count"
    )
    cci_recent_interaction_ids = fields.Many2many(
        "cci.interaction",
        string="Recent interactions",
        compute="_compute_cci_recent_interaction_ids",
    )
    cci_last_solicitation_date = fields.Datetime(
        string="Last solicitation", readonly=True, copy=False
    )
    cci_solicitation_count_30d = fields.Integer(
        string="Solicitations (30 days)", readonly=True, copy=False, default=0
    )
    cci_solicitation_count_90d = fields.Integer(
        string="Solicitations (90 days)", readonly=True, copy=False, default=0
    )
    cci_solicitation_count_365d = fields.Integer(
        string="Solicitations (365 days)", readonly=True, copy=False, default=0
    )
    cci_mailing_received_count = fields.Integer(
        string="Mailings received", readonly=True, copy=False, default=0
    )
    cci_mailing_opened_count = fields.Integer(
        string="Mailings opened", readonly=True, copy=False, default=0,
        help="Mailings received that were opened, clicked or answered.",
    )
    cci_mailing_clicked_count = fields.Integer(
        string="Mailings clicked", readonly=True, copy=False, default=0
    )
    cci_open_rate = fields.Float(
        string="Open rate (%)", readonly=True, copy=False, default=0, digits=(5, 1)
    )
    cci_click_rate = fields.Float(
        string="Click rate (%)", readonly=True, copy=False, default=0, digits=(5, 1)
    )
    cci_last_open_date = fields.Datetime(string="Last open", readonly=True, copy=False)
    cci_engagement_score = fields.Integer(
        string="Engagement score",
        readonly=True,
        copy=False,
        default=0,
        help="0 to 100: half for how recently the contact opened, clicked or answered a "
        "mailing (full within 30 days, nothing after a year), half for the share of the "
        "mailings of the last year they opened, clicked or answered.",
    )
    cci_email_health = fields.Selection(
        HEALTH,
        string="E-mail health",
        readonly=True,
        copy=False,
        default="ok",
        help="Opted out: the address asked to receive no more mailings, in any department. "
        "Bounced: a mailing to the address bounced and it showed no sign of life since, or "
        "it bounced repeatedly. Opted-out and bounced addresses are left out of every "
        "mailing. Dormant: at least 5 mailings received this year and no open, click or "
        "answer for 6 months.",
    )
    cci_engaged_90d = fields.Boolean(
        string="Engaged (90 days)",
        compute="_compute_cci_flags",
        search="_search_cci_engaged_90d",
        help="Opened or clicked a mailing in the last 90 days.",
    )
    cci_never_opened = fields.Boolean(
        string="Never opened",
        compute="_compute_cci_flags",
        search="_search_cci_never_opened",
        help="Received mailings and never opened, clicked or answered any.",
    )
    cci_over_solicited = fields.Boolean(
        string="Over-solicited (30 days)",
        compute="_compute_cci_flags",
        search="_search_cci_over_solicited",
        help="Solicited at least as often in the last 30 days as the chamber's threshold "
        "(system parameter cci_marketing.over_solicited_30d, 4 by default).",
    )

    @api.model_cr
    def init(self):
        for name, columns in (
            ("res_partner_cci_health_idx", "cci_email_health"),
            ("res_partner_cci_last_open_idx", "cci_last_open_date"),
            ("res_partner_cci_score_idx", "cci_engagement_score"),
        ):
            self.env.cr.execute(
                "CREATE INDEX IF NOT EXISTS %s ON res_partner (%s)" % (name, columns)
            )

    # ------------------------------------------------------------------
    # Computes and searches
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

    def _compute_cci_interaction_count(self):
        interaction = self.env["cci.interaction"]
        for partner in self:
            partner.cci_interaction_count = (
                interaction.search_count(partner._cci_timeline_domain()) if partner.id else 0
            )

    def _compute_cci_recent_interaction_ids(self):
        interaction = self.env["cci.interaction"]
        for partner in self:
            partner.cci_recent_interaction_ids = (
                interaction.search(partner._cci_timeline_domain(), limit=80)
                if partner.id else interaction
            )

    @api.model
    def _cci_over_solicited_threshold(self):
        value = self.env["ir.config_parameter"].sudo().get_param(OVER_SOLICITED_PARAM)
        try:
            return max(1, int(value)) if value else OVER_SOLICITED_DEFAULT
        except ValueError:
            return OVER_SOLICITED_DEFAULT

    @api.model
    def _cci_engaged_since(self):
        return fields.Datetime.to_string(
            fields.Datetime.from_string(fields.Datetime.now()) - timedelta(days=ENGAGED_DAYS)
        )

    @api.depends("cci_last_open_date", "cci_mailing_received_count",
                 "cci_mailing_opened_count", "cci_solicitation_count_30d")
    def _compute_cci_flags(self):
        since = self._cci_engaged_since()
        threshold = self._cci_over_solicited_threshold()
        for partner in self:
            partner.cci_engaged_90d = bool(
                partner.cci_last_open_date and partner.cci_last_open_date >= since
            )
            partner.cci_never_opened = bool(
                partner.cci_mailing_received_count and not partner.cci_mailing_opened_count
            )
            partner.cci_over_solicited = partner.cci_solicitation_count_30d >= threshold

    @staticmethod
    def _cci_boolean_search(operator, value, domain_true, domain_false):
        """Normalized domains (explicit operators): Odoo splices them into dotted paths."""
        if operator not in ("=", "!=") or value not in (True, False):  # 1 and 0 too
            raise UserError(_("This filter can only be compared with true or false."))
        return domain_true if (operator == "=") == value else domain_false

    def _search_cci_engaged_90d(self, operator, value):
        since = self._cci_engaged_since()
        return self._cci_boolean_search(
            operator, value,
            [("cci_last_open_date", ">=", since)],
            ["|", ("cci_last_open_date", "=", False), ("cci_last_open_date", "<", since)],
        )

    def _search_cci_never_opened(self, operator, value):
        return self._cci_boolean_search(
            operator, value,
            ["&", ("cci_mailing_received_count", ">", 0), ("cci_mailing_opened_count", "=", 0)],
            ["|", "|", ("cci_mailing_received_count", "=", False),
             ("cci_mailing_received_count", "<=", 0), ("cci_mailing_opened_count", ">", 0)],
        )

    def _search_cci_over_solicited(self, operator, value):
        threshold = self._cci_over_solicited_threshold()
        return self._cci_boolean_search(
            operator, value,
            [("cci_solicitation_count_30d", ">=", threshold)],
            ["|", ("cci_solicitation_count_30d", "=", False),
             ("cci_solicitation_count_30d", "<", threshold)],
        )

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
        self.env.cr.execute(
            """
            UPDATE cci_interaction i SET commercial_partner_id = rp.commercial_partner_id
              FROM res_partner rp
             WHERE rp.id = i.partner_id AND rp.id IN %s
               AND i.commercial_partner_id IS DISTINCT FROM rp.commercial_partner_id
            """,
            (tuple(self.ids),),
        )
        self.env["cci.interaction"].invalidate_cache(["commercial_partner_id"])
        self._cci_interactions_changed(self.ids + list(former_company_ids))

    # ------------------------------------------------------------------
    # Timeline
    # ------------------------------------------------------------------

    @api.multi
    def cci_timeline(self, limit=80, offset=0, kinds=False, department_ids=False,
                     date_from=False, date_to=False):
        """The partners' timeline, newest first, as plain dicts (see CONTRACT.md).

        Called on a company, it includes the rows of all its contacts.
        """
        domain = self._cci_timeline_domain() + self._cci_timeline_filters(
            limit, offset, kinds, department_ids, date_from, date_to
        )
        Interaction = self.env["cci.interaction"]
        # the ORM selects the page (access rights and record rules apply) ...
        page = Interaction.search(domain, limit=limit, offset=offset,
                                  order="date desc, id desc")
        if not page:
            return []
        # ... one query reads it with the names: the ORM's prefetching of the partners,
        # users and mailings behind 80 rows costs ten times more than the page itself
        self.env.cr.execute(TIMELINE_SQL, (tuple(page.ids),))
        fetched = self.env.cr.fetchall()  # before anything else uses the cursor
        kind_labels = dict(Interaction._fields["kind"]._description_selection(self.env))
        rows = []
        for values in fetched:
            row = dict(zip(TIMELINE_COLUMNS, values))
            row["date"] = str(row["date"])[:19]  # as the ORM reads it: no fraction of second
            row["kind_label"] = kind_labels.get(row["kind"], row["kind"])
            row["department"] = row.pop("department_name")
            rows.append({k: False if v is None else v for k, v in row.items()})
        return rows

    @api.model
    def _cci_timeline_filters(self, limit, offset, kinds, department_ids, date_from, date_to):
        if not isinstance(limit, int) or isinstance(limit, bool) or not (
                1 <= limit <= TIMELINE_MAX_LIMIT):
            raise UserError(_("The number of rows asked for must be a whole number between "
                              "1 and %d.") % TIMELINE_MAX_LIMIT)
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise UserError(_("The offset must be a whole number, 0 or more."))
        domain = []
        if kinds:
            if isinstance(kinds, str):
                kinds = [kinds]
            if not isinstance(kinds, (list, tuple)):
                raise UserError(_("Kinds must be given as a list of names."))
            known = dict(KINDS)
            unknown = [k for k in kinds if not isinstance(k, str) or k not in known]
            if unknown:
                raise UserError(
                    _("Unknown kind of interaction: %(unknown)s. Known kinds: %(known)s.")
                    % {"unknown": ", ".join(map(str, unknown)), "known": ", ".join(known)}
                )
            domain.append(("kind", "in", list(kinds)))
        if department_ids:
            if isinstance(department_ids, int) and not isinstance(department_ids, bool):
                department_ids = [department_ids]
            if not isinstance(department_ids, (list, tuple)) or not all(
                    isinstance(d, int) and not isinstance(d, bool) for d in department_ids):
                raise UserError(_("Departments must be given by their ids."))
            domain.append(("department_id", "in", list(department_ids)))
        start = self._cci_parse_datetime(date_from, "date_from")
        end = self._cci_parse_datetime(date_to, "date_to", end_of_day=True)
        if start and end and start > end:
            raise UserError(_("The start date must come before the end date."))
        if start:
            domain.append(("date", ">=", fields.Datetime.to_string(start)))
        if end:
            domain.append(("date", "<=", fields.Datetime.to_string(end)))
        return domain

    @api.model
    def _cci_parse_datetime(self, value, label, end_of_day=False):
        """'YYYY-MM-DD', 'YYYY-MM-DD HH:MM' or 'YYYY-MM-DD HH:MM:SS' (UTC) -> datetime, else a
        clear error (see tools.parse_datetime)."""
        return parse_datetime(self, value, label, end_of_day=end_of_day)

    @api.multi
    def action_cci_timeline(self):
        self.ensure_one()
        action = self.env.ref("cci_marketing.cci_interaction_action").read()[0]
        action["domain"] = self._cci_timeline_domain()
        action["context"] = {}
        action["display_name"] = action["name"] = _("Timeline of %s") % self.display_name
        return action

    # ------------------------------------------------------------------
    # Tracking-derived fields
    # ------------------------------------------------------------------

    @api.model
    def _cci_interactions_changed(self, partner_ids):
        """New rows for these contacts: refresh them and their companies."""
        if not partner_ids or self.env.context.get("cci_capture_deferred"):
            return []
        self.env.cr.execute(
            "SELECT DISTINCT unnest(ARRAY[id, commercial_partner_id]) FROM res_partner"
            " WHERE id IN %s",
            (tuple(partner_ids),),
        )
        ids = [r[0] for r in self.env.cr.fetchall() if r[0]]
        return self._cci_refresh_tracking_fields(ids)

    @api.model
    def _cron_cci_refresh_tracking_fields(self):
        """Nightly: windows move even when nothing happens."""
        self._cci_refresh_tracking_fields(None)
        return True

    @api.model
    def _cci_refresh_tracking_fields(self, partner_ids=None, now=None):
        """Recompute the tracking-derived fields in one statement (all partners if None).

        ``now`` (a datetime string, UTC) is the moment the windows end; tests fix it. Only
        partners whose figures changed are written; their ids are returned.
        """
        params = {
            "now": now or fields.Datetime.now(),
            "recency_full": SCORE_RECENCY_FULL_DAYS,
            "recency_zero": SCORE_RECENCY_ZERO_DAYS,
            "dormant_received": DORMANT_MIN_RECEIVED,
            "dormant_days": DORMANT_SILENT_DAYS,
            "bounce_limit": BOUNCE_COUNTER_LIMIT,
            "trace_source": SOURCE_TRACE,
        }
        scope = "TRUE"
        if partner_ids is not None:
            if not partner_ids:
                return []
            scope = "p.id IN %(ids)s"
            params["ids"] = tuple(partner_ids)
        cr = self.env.cr
        # every partner: the whole ledger, grouped twice, in memory rather than in files
        with sql_settings(cr, **({"work_mem": "256MB"} if partner_ids is None else {})):
            cr.execute(
                REFRESH_SQL.format(scope=scope, email=email_sql("p.email"),
                                   mc_email=email_sql("mc.email"), contact=CONTACT_TABLE),
                params,
            )
            changed = [r[0] for r in cr.fetchall()]
        if changed:
            self.invalidate_cache(
                [name for name, field in self._fields.items()
                 if name.startswith("cci_") and field.store], changed
            )
        return changed
