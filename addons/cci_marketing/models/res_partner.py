from datetime import timedelta

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..odoo11 import CONTACT_MODEL, CONTACT_TABLE, MAILING_TABLE, SOURCE_TRACE
from ..tools import parse_datetime, render, sql_settings
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
    SELECT interaction.id, interaction.date, interaction.kind, interaction.name,
           interaction.department_id, department.name, interaction.partner_id,
           contact.display_name, interaction.commercial_partner_id, company.display_name,
           interaction.user_id, colleague.name, interaction.email, interaction.res_model,
           interaction.res_id, interaction.mass_mailing_id, source.name,
           interaction.is_solicitation
      FROM cci_interaction interaction
      LEFT JOIN cci_department department ON department.id = interaction.department_id
      LEFT JOIN res_partner contact ON contact.id = interaction.partner_id
      LEFT JOIN res_partner company ON company.id = interaction.commercial_partner_id
      LEFT JOIN res_users author ON author.id = interaction.user_id
      LEFT JOIN res_partner colleague ON colleague.id = author.partner_id
      LEFT JOIN {mailing} mailing ON mailing.id = interaction.mass_mailing_id
      LEFT JOIN utm_source source ON source.id = mailing.source_id
     WHERE interaction.id IN %s
     ORDER BY interaction.date DESC, interaction.id DESC
""").format(mailing=sql.Identifier(MAILING_TABLE))

# Contacts who moved to another company take their history along.
FOLLOW_COMPANY = """
    UPDATE cci_interaction interaction
       SET commercial_partner_id = partner.commercial_partner_id
      FROM res_partner partner
     WHERE partner.id = interaction.partner_id AND partner.id = ANY(%(ids)s::int[])
       AND interaction.commercial_partner_id IS DISTINCT FROM partner.commercial_partner_id
"""
# These partners and their companies.
WITH_COMPANIES = """
    SELECT DISTINCT unnest(ARRAY[id, commercial_partner_id]) FROM res_partner
     WHERE id = ANY(%(ids)s::int[])
"""
PARTNER_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON res_partner ({column})")

# The refresh of the tracking-derived fields, for the partners of {scope}.
# A person summarises its own rows; a company (its own commercial partner) the rows of all
# its contacts. The e-mail health is about the partner's own address only (rows where it is
# the contact, current address), since that is what a mailing to that partner would use;
# only "dormant" summarises the contacts of a company.
REFRESH_FIGURES = sql.SQL("""
WITH targets AS (
    SELECT partner.id, (partner.commercial_partner_id = partner.id) AS is_company,
           COALESCE(partner.opt_out, FALSE) AS opt_out,
           COALESCE(partner.message_bounce, 0) AS message_bounce, {email} AS email
      FROM res_partner partner WHERE {scope}
),
facts AS (
    SELECT target.id AS target, interaction.partner_id = target.id AS own, interaction.date,
           interaction.kind, interaction.is_solicitation, interaction.source_model,
           interaction.source_id, interaction.email
      FROM targets target
      JOIN cci_interaction interaction ON interaction.commercial_partner_id = target.id
     WHERE target.is_company
    UNION ALL
    SELECT target.id, TRUE, interaction.date, interaction.kind, interaction.is_solicitation,
           interaction.source_model, interaction.source_id, interaction.email
      FROM targets target JOIN cci_interaction interaction ON interaction.partner_id = target.id
     WHERE NOT target.is_company
),
per_mail AS (
    SELECT target, source_id,
           max(date) FILTER (WHERE kind = 'mailing_sent') AS sent,
           max(date) FILTER (WHERE kind IN ('mailing_opened', 'mailing_clicked')) AS last_open,
           max(date) FILTER (WHERE kind IN ('mailing_opened', 'mailing_clicked',
                                            'mailing_replied')) AS last_life,
           bool_or(kind = 'mailing_clicked') AS clicked
      FROM facts WHERE source_model = %(trace_source)s
     GROUP BY target, source_id
),
mail_figures AS (
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
fact_figures AS (
    SELECT fact.target,
           max(fact.date) FILTER (WHERE fact.is_solicitation) AS last_sol,
           count(*) FILTER (WHERE fact.is_solicitation
                            AND fact.date >= %(now)s::timestamp - interval '30 days') AS sol30,
           count(*) FILTER (WHERE fact.is_solicitation
                            AND fact.date >= %(now)s::timestamp - interval '90 days') AS sol90,
           count(*) FILTER (WHERE fact.is_solicitation
                            AND fact.date >= %(now)s::timestamp - interval '365 days') AS sol365,
           max(fact.date) FILTER (WHERE fact.own AND fact.kind = 'mailing_bounced'
                                  AND (fact.email IS NULL OR fact.email = target.email))
               AS own_bounce,
           max(fact.date) FILTER (WHERE fact.own AND fact.kind IN (
                                  'mailing_opened', 'mailing_clicked', 'mailing_replied'))
               AS own_life
      FROM facts fact JOIN targets target ON target.id = fact.target
     GROUP BY fact.target
),
address AS (
    -- the same address opted out or bounced repeatedly as a mailing contact
    SELECT target.id, bool_or(contact.opt_out) AS opt_out,
           bool_or(COALESCE(contact.message_bounce, 0) >= %(bounce_limit)s) AS bounced
      FROM targets target
      JOIN {contact_table} contact ON {contact_email} = target.email
     WHERE target.email IS NOT NULL
     GROUP BY target.id
),
figures AS (
    SELECT target.id, fact.last_sol,
       COALESCE(fact.sol30, 0) AS sol30, COALESCE(fact.sol90, 0) AS sol90,
       COALESCE(fact.sol365, 0) AS sol365, COALESCE(mail.received, 0) AS received,
       COALESCE(mail.opened, 0) AS opened, COALESCE(mail.clicked, 0) AS clicked,
       CASE WHEN COALESCE(mail.received, 0) = 0 THEN 0
            ELSE round(100.0 * mail.opened / mail.received, 1) END AS open_rate,
       CASE WHEN COALESCE(mail.received, 0) = 0 THEN 0
            ELSE round(100.0 * mail.clicked / mail.received, 1) END AS click_rate,
       mail.last_open,
       round(
         CASE WHEN mail.last_life IS NULL THEN 0
              WHEN mail.last_life >= %(now)s::timestamp - %(recency_full)s * interval '1 day'
                   THEN 50
              WHEN mail.last_life <= %(now)s::timestamp - %(recency_zero)s * interval '1 day'
                   THEN 0
              ELSE 50.0 * (%(recency_zero)s
                           - extract(epoch FROM (%(now)s::timestamp - mail.last_life)) / 86400.0)
                   / (%(recency_zero)s - %(recency_full)s) END
         + CASE WHEN COALESCE(mail.received365, 0) = 0 THEN 0
                ELSE 50.0 * LEAST(1.0, mail.engaged365::numeric / mail.received365) END
       )::integer AS score,
       CASE WHEN target.opt_out OR COALESCE(address.opt_out, FALSE) THEN 'opted_out'
            WHEN fact.own_bounce IS NOT NULL
                 AND (fact.own_life IS NULL OR fact.own_bounce > fact.own_life)
                 OR target.message_bounce >= %(bounce_limit)s
                 OR COALESCE(address.bounced, FALSE)
                 THEN 'bounced'
            WHEN COALESCE(mail.received365, 0) >= %(dormant_received)s
                 AND mail.first_sent <= %(now)s::timestamp - %(dormant_days)s * interval '1 day'
                 AND (mail.last_life IS NULL
                      OR mail.last_life
                         <= %(now)s::timestamp - %(dormant_days)s * interval '1 day')
                 THEN 'dormant'
            ELSE 'ok' END AS health
      FROM targets target
      LEFT JOIN mail_figures mail ON mail.target = target.id
      LEFT JOIN fact_figures fact ON fact.target = target.id
      LEFT JOIN address ON address.id = target.id
)
UPDATE res_partner partner SET
    cci_last_solicitation_date = figures.last_sol,
    cci_solicitation_count_30d = figures.sol30,
    cci_solicitation_count_90d = figures.sol90,
    cci_solicitation_count_365d = figures.sol365,
    cci_mailing_received_count = figures.received,
    cci_mailing_opened_count = figures.opened,
    cci_mailing_clicked_count = figures.clicked,
    cci_open_rate = figures.open_rate,
    cci_click_rate = figures.click_rate,
    cci_last_open_date = figures.last_open,
    cci_engagement_score = figures.score,
    cci_email_health = figures.health
  FROM figures
 WHERE partner.id = figures.id AND (
       partner.cci_last_solicitation_date IS DISTINCT FROM figures.last_sol
    OR partner.cci_solicitation_count_30d IS DISTINCT FROM figures.sol30
    OR partner.cci_solicitation_count_90d IS DISTINCT FROM figures.sol90
    OR partner.cci_solicitation_count_365d IS DISTINCT FROM figures.sol365
    OR partner.cci_mailing_received_count IS DISTINCT FROM figures.received
    OR partner.cci_mailing_opened_count IS DISTINCT FROM figures.opened
    OR partner.cci_mailing_clicked_count IS DISTINCT FROM figures.clicked
    OR partner.cci_open_rate IS DISTINCT FROM figures.open_rate
    OR partner.cci_click_rate IS DISTINCT FROM figures.click_rate
    OR partner.cci_last_open_date IS DISTINCT FROM figures.last_open
    OR partner.cci_engagement_score IS DISTINCT FROM figures.score
    OR partner.cci_email_health IS DISTINCT FROM figures.health)
RETURNING partner.id
""")
REFRESH_SCOPES = {
    "everyone": sql.SQL("TRUE"),
    "partners": sql.SQL("partner.id = ANY(%(ids)s::int[])"),
}


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
        for name, column in (
            ("res_partner_cci_health_idx", "cci_email_health"),
            ("res_partner_cci_last_open_idx", "cci_last_open_date"),
            ("res_partner_cci_score_idx", "cci_engagement_score"),
        ):
            self.env.cr.execute(render(self.env.cr, PARTNER_INDEX.format(
                name=sql.Identifier(name), column=sql.Identifier(column))))

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
        self.env.cr.execute(FOLLOW_COMPANY, {"ids": list(self.ids)})
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
        self.env.cr.execute(render(self.env.cr, TIMELINE_SQL), (tuple(page.ids),))
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
        self.env.cr.execute(WITH_COMPANIES, {"ids": list(partner_ids)})
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
        scope = "everyone"
        if partner_ids is not None:
            if not partner_ids:
                return []
            scope = "partners"
            params["ids"] = list(partner_ids)
        cr = self.env.cr
        statement = render(cr, REFRESH_FIGURES.format(
            scope=REFRESH_SCOPES[scope], email=email_sql("partner.email"),
            contact_table=sql.Identifier(CONTACT_TABLE), contact_email=email_sql("contact.email")))
        # every partner: the whole ledger, grouped twice, in memory rather than in files
        with sql_settings(cr, **({"work_mem": "256MB"} if partner_ids is None else {})):
            cr.execute(statement, params)
            changed = [r[0] for r in cr.fetchall()]
        if changed:
            self.invalidate_cache(
                [name for name, field in self._fields.items()
                 if name.startswith("cci_") and field.store], changed
            )
        return changed
