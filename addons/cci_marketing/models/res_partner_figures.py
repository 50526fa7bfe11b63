from datetime import timedelta

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..odoo11 import CONTACT_TABLE, SOURCE_TRACE
from ..tools import render, sql_settings
from .cci_interaction import email_sql

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
           min(sent) FILTER (WHERE sent >= %(now)s::timestamp - interval '365 days')
               AS first_sent365,
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
           min(fact.date) FILTER (WHERE fact.is_solicitation
                            AND fact.date >= %(now)s::timestamp - interval '30 days') AS first30,
           min(fact.date) FILTER (WHERE fact.is_solicitation
                            AND fact.date >= %(now)s::timestamp - interval '90 days') AS first90,
           min(fact.date) FILTER (WHERE fact.is_solicitation
                            AND fact.date >= %(now)s::timestamp - interval '365 days')
               AS first365,
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
scored AS (
    SELECT target.id, fact.last_sol,
       COALESCE(fact.sol30, 0) AS sol30, COALESCE(fact.sol90, 0) AS sol90,
       COALESCE(fact.sol365, 0) AS sol365, COALESCE(mail.received, 0) AS received,
       COALESCE(mail.opened, 0) AS opened, COALESCE(mail.clicked, 0) AS clicked,
       CASE WHEN COALESCE(mail.received, 0) = 0 THEN 0
            ELSE round(100.0 * mail.opened / mail.received, 1) END AS open_rate,
       CASE WHEN COALESCE(mail.received, 0) = 0 THEN 0
            ELSE round(100.0 * mail.clicked / mail.received, 1) END AS click_rate,
       mail.last_open, mail.last_life, mail.first_sent, mail.first_sent365,
       fact.first30, fact.first90, fact.first365, engaged.engaged_part,
       round(
         CASE WHEN mail.last_life IS NULL THEN 0
              WHEN mail.last_life >= %(now)s::timestamp - %(recency_full)s * interval '1 day'
                   THEN 50
              WHEN mail.last_life <= %(now)s::timestamp - %(recency_zero)s * interval '1 day'
                   THEN 0
              ELSE 50.0 * (%(recency_zero)s
                           - extract(epoch FROM (%(now)s::timestamp - mail.last_life)) / 86400.0)
                   / (%(recency_zero)s - %(recency_full)s) END
         + engaged.engaged_part
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
      -- the score's engagement half: the share of the year's mailings that showed life
      CROSS JOIN LATERAL (
          SELECT CASE WHEN COALESCE(mail.received365, 0) = 0 THEN 0
                      ELSE 50.0 * LEAST(1.0, mail.engaged365::numeric / mail.received365)
                 END AS engaged_part) engaged
),
-- When the figures would next change if nothing happened: a solicitation or a mailing
-- leaves a window, the score's recency half loses its next point, a silence reaches the
-- dormant threshold. The nightly refresh recomputes only the partners due (and those with
-- new facts); an earlier moment than needed only costs a recount.
figures AS (
    SELECT scored.*, LEAST(
        first30 + interval '30 days', first90 + interval '90 days',
        first365 + interval '365 days', first_sent365 + interval '365 days',
        CASE WHEN first_sent > %(now)s::timestamp - %(dormant_days)s * interval '1 day'
             THEN first_sent + %(dormant_days)s * interval '1 day' END,
        CASE WHEN last_life > %(now)s::timestamp - %(dormant_days)s * interval '1 day'
             THEN last_life + %(dormant_days)s * interval '1 day' END,
        CASE WHEN last_life > %(now)s::timestamp - %(recency_full)s * interval '1 day'
             THEN last_life + %(recency_full)s * interval '1 day'
             WHEN last_life > %(now)s::timestamp - %(recency_zero)s * interval '1 day'
             THEN last_life + LEAST(
                 %(recency_zero)s::numeric,
                 %(recency_zero)s - (score - 0.5 - engaged_part)
                     * (%(recency_zero)s - %(recency_full)s) / 50.0) * interval '1 day'
        END) AS due
      FROM scored
)
UPDATE res_partner partner SET {assignments}
  FROM figures
 WHERE partner.id = figures.id AND ({changed})
RETURNING partner.id
""")
# The stored figures: column of res_partner, column of the figures above.
FIGURE_COLUMNS = (
    ("cci_last_solicitation_date", "last_sol"),
    ("cci_solicitation_count_30d", "sol30"),
    ("cci_solicitation_count_90d", "sol90"),
    ("cci_solicitation_count_365d", "sol365"),
    ("cci_mailing_received_count", "received"),
    ("cci_mailing_opened_count", "opened"),
    ("cci_mailing_clicked_count", "clicked"),
    ("cci_open_rate", "open_rate"),
    ("cci_click_rate", "click_rate"),
    ("cci_last_open_date", "last_open"),
    ("cci_engagement_score", "score"),
    ("cci_email_health", "health"),
    ("cci_figures_due", "due"),
)
# ... written where one of them changed
ASSIGNMENTS = sql.SQL(", ").join(
    sql.SQL("{} = {}").format(sql.Identifier(column), sql.Identifier("figures", figure))
    for column, figure in FIGURE_COLUMNS)
CHANGED = sql.SQL(" OR ").join(
    sql.SQL("{} IS DISTINCT FROM {}").format(sql.Identifier("partner", column),
                                             sql.Identifier("figures", figure))
    for column, figure in FIGURE_COLUMNS)
REFRESH_SCOPES = {
    "everyone": sql.SQL("TRUE"),
    "partners": sql.SQL("partner.id = ANY(%(ids)s::int[])"),
}


class ResPartner(models.Model):
    """The partner's tracking-derived figures (solicitations, opens and clicks, engagement
    score, e-mail health) and the segments they make, refreshed from the ledger."""

    _inherit = "res.partner"

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
        string="Engagement score", readonly=True, copy=False, default=0,
        help="0 to 100: half for how recently the contact opened, clicked or answered a "
        "mailing (full within 30 days, nothing after a year), half for the share of the "
        "mailings of the last year they opened, clicked or answered.",
    )
    cci_email_health = fields.Selection(
        HEALTH, string="E-mail health", readonly=True, copy=False, default="ok",
        help="Opted out: the address asked to receive no more mailings, in any department. "
        "Bounced: a mailing to the address bounced and it showed no sign of life since, or "
        "it bounced repeatedly. Opted-out and bounced addresses are left out of every "
        "mailing. Dormant: at least 5 mailings received this year and no open, click or "
        "answer for 6 months.",
    )
    cci_figures_due = fields.Datetime(
        string="Figures due", readonly=True, copy=False, index=True,
        help="When these figures next change if nothing happens (a solicitation leaves a "
        "window, the score loses a point): the nightly refresh recounts the partners due "
        "and those with new interactions, not everyone.",
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
    # Segments
    # ------------------------------------------------------------------

    @api.model
    def _cci_over_solicited_threshold(self):
        return self.env["ir.config_parameter"]._cci_number(
            OVER_SOLICITED_PARAM, OVER_SOLICITED_DEFAULT)

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
            assignments=ASSIGNMENTS, changed=CHANGED,
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
