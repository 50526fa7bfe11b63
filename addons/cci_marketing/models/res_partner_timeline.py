from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..odoo11 import MAILING_TABLE
from ..tools import parse_datetime, render, window_action
from .cci_interaction import KINDS

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


class ResPartner(models.Model):
    """The chamber-wide timeline of a partner (a company's includes its contacts')."""

    _inherit = "res.partner"

    cci_interaction_count = fields.Integer(
        string="Interactions", compute="_compute_cci_interaction_count"
    )
    cci_recent_interaction_ids = fields.Many2many(
        "cci.interaction",
        string="Recent interactions",
        compute="_compute_cci_recent_interaction_ids",
    )

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
        title = _("Timeline of %s") % self.display_name
        return window_action(self.env, "cci_marketing.cci_interaction_action",
                             self._cci_timeline_domain(), name=title, display_name=title)
