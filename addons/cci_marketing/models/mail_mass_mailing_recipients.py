import logging

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.safe_eval import safe_eval

from ..odoo11 import CONTACT_TABLE, MAILING_MODEL, RECIPIENT_COLUMNS, SOURCE_MAILING
from ..tools import count_by, render, window_action
from .cci_interaction import email_sql, partner_by_email_sql
from .res_partner_figures import BOUNCE_COUNTER_LIMIT

_logger = logging.getLogger(__name__)

# Each recipient (of {where}) with its contact, else the contact that has its address, and
# its address.
RECIPIENTS = sql.SQL("""
    SELECT recipient.id, COALESCE({partner}, {partner_by_email}), {email}
      FROM {table} recipient
     WHERE {where}
""")
RECIPIENTS_BY_ID = sql.SQL("recipient.id = ANY(%(ids)s)")
# Of these contacts, those whose address bounced or who opted out.
UNHEALTHY_PARTNERS = """
    SELECT id, cci_email_health FROM res_partner
     WHERE id = ANY(%(ids)s) AND cci_email_health IN ('bounced', 'opted_out')
"""
# Of these addresses, those a mailing contact or a partner with that address opted out of.
OPTED_OUT_EMAILS = sql.SQL("""
    SELECT {contact_email} FROM {contact} contact
     WHERE contact.opt_out AND {contact_email} = ANY(%(emails)s)
    UNION
    SELECT {partner_email} FROM res_partner partner
     WHERE partner.opt_out AND {partner_email} = ANY(%(emails)s)
""").format(contact=sql.Identifier(CONTACT_TABLE), contact_email=email_sql("contact.email"),
            partner_email=email_sql("partner.email"))
# Of these addresses known to no contact, those that bounced with no sign of life since, or
# whose mailing contact soft-bounced too often.
BOUNCED_EMAILS = sql.SQL("""
    SELECT interaction.email FROM cci_interaction interaction
     WHERE interaction.partner_id IS NULL AND interaction.email = ANY(%(emails)s)
     GROUP BY interaction.email
    HAVING max(interaction.date) FILTER (WHERE interaction.kind = 'mailing_bounced')
           > COALESCE(max(interaction.date) FILTER (WHERE interaction.kind IN (
                'mailing_opened', 'mailing_clicked', 'mailing_replied')),
                '-infinity'::timestamp)
    UNION
    SELECT {contact_email} FROM {contact} contact
     WHERE contact.message_bounce >= %(limit)s AND {contact_email} = ANY(%(emails)s)
""").format(contact=sql.Identifier(CONTACT_TABLE), contact_email=email_sql("contact.email"))


class MailMassMailing(models.Model):
    """Who a mailing reaches (Odoo 11 glue: every path that sends asks
    ``get_remaining_recipients``, so the exclusions live here and nowhere else): the
    recipients of its filter with their contact and address, less those a shared hygiene
    rule (or, in cci_pressure, a quota) leaves out, each recorded on the timeline."""

    _inherit = MAILING_MODEL

    cci_excluded_count = fields.Integer(
        string="Held back", compute="_compute_cci_excluded_count",
        help="Recipients left out at send time (opt-out, bounced address, quota), each "
        "recorded on the recipient's timeline with the reason.",
    )

    def _compute_cci_excluded_count(self):
        counts = count_by(self.env["cci.interaction"], "mass_mailing_id", self.ids,
                          [("kind", "=", "mailing_excluded")])
        for mailing in self:
            mailing.cci_excluded_count = counts.get(mailing.id, 0)

    @api.multi
    def action_cci_view_excluded(self):
        self.ensure_one()
        return window_action(
            self.env, "cci_marketing.cci_interaction_action",
            [("mass_mailing_id", "=", self.id), ("kind", "=", "mailing_excluded")])

    def _cci_target_ids(self):
        """Ids of the records the mailing's domain selects today (no A/B sampling)."""
        self.ensure_one()
        mailing = self.sudo()
        if not mailing.mailing_domain or mailing.mailing_model_real not in self.env:
            return []
        try:
            domain = safe_eval(mailing.mailing_domain)
            return self.env[mailing.mailing_model_real].sudo().search(domain).ids
        except Exception:  # a domain Odoo itself could not send with
            _logger.info("Mailing %s: its recipients domain cannot be evaluated", mailing.id)
            return []

    def _compute_total(self):  # pylint: disable=missing-return
        """Odoo's count of recipients, shown on every card and list of mailings: a mailing
        whose filter no longer works counts none (its submission and its sending say why)
        instead of breaking the planning of every department. Without A/B sampling it is
        the count of what the filter selects, counted by PostgreSQL (Odoo reads every id)."""
        for mailing in self:
            try:
                config = mailing.sudo()  # as Odoo counts them
                if config.contact_ab_pc >= 100 and config.mailing_domain \
                        and config.mailing_model_real in self.env:
                    mailing.total = self.env[config.mailing_model_real].sudo().search_count(
                        safe_eval(config.mailing_domain))
                else:
                    super(MailMassMailing, mailing)._compute_total()
            except (ValueError, SyntaxError, NameError, TypeError, KeyError, AttributeError):
                _logger.info("Mailing %s: its recipients domain cannot be evaluated",
                             mailing.id)
                mailing.total = 0

    def get_remaining_recipients(self):
        res_ids = super().get_remaining_recipients()
        return self._cci_filter_recipients(res_ids)

    def _cci_filter_recipients(self, res_ids):
        """Leave out the recipients an exclusion rule names, and record why on the timeline."""
        self.ensure_one()
        if not res_ids:
            return res_ids
        recipients = self._cci_recipients(res_ids)
        excluded = self._cci_exclusions(recipients)
        if not excluded:
            return res_ids
        now = fields.Datetime.now()
        by_id = {r[0]: r for r in recipients}
        facts = []
        for res_id, reason in excluded.items():
            _rid, partner_id, email = by_id.get(res_id, (res_id, None, None))
            facts.append({
                "date": now,
                "kind": "mailing_excluded",
                "partner_id": partner_id or None,
                "email": email,
                "department_id": self.cci_department_id.id or None,
                "user_id": self.create_uid.id or None,
                "name": "%s: %s" % (self.name, reason),
                "res_model": self._name,
                "res_id": self.id,
                "mass_mailing_id": self.id,
                "is_solicitation": False,
                "source_model": SOURCE_MAILING,
                "source_id": self.id,
                "source_sub_id": res_id,
            })
        self.env["cci.interaction"]._record(facts)
        return [r for r in res_ids if r not in excluded]

    def _cci_recipients(self, res_ids):
        """[(res_id, partner_id or None, normalized email or None)] of these recipients.

        The contact of an address-only recipient (a mailing contact) is the partner with
        that address, as on the timeline.
        """
        self.env.cr.execute(self._cci_recipients_sql(RECIPIENTS_BY_ID),
                            {"ids": list(res_ids)})
        return self.env.cr.fetchall()

    def _cci_recipients_sql(self, where):
        """The SQL text of (res_id, partner_id or None, normalized email or None) of the
        recipients ``where`` (an SQL condition on ``recipient``) selects."""
        self.ensure_one()
        table, partner_col, email_col = self._cci_recipient_columns()
        partner = (sql.Identifier("recipient", partner_col) if partner_col
                   else sql.SQL("NULL::integer"))
        email = email_sql(sql.Identifier("recipient", email_col))
        return render(self.env.cr, RECIPIENTS.format(
            partner=partner, partner_by_email=partner_by_email_sql(email), email=email,
            table=sql.Identifier(table), where=where))

    def _cci_domain_sql(self):
        """(FROM, WHERE, params) of the records the mailing's filter selects today (no A/B
        sampling): Odoo's own query of the domain. A filter that is not valid is refused
        in plain words."""
        self.ensure_one()
        mailing = self.sudo()
        try:
            query = self.env[mailing.mailing_model_real].sudo()._where_calc(
                safe_eval(mailing.mailing_domain or "[]"))
        except (ValueError, SyntaxError, NameError, TypeError, KeyError,
                AttributeError) as err:
            raise UserError(
                _("The recipients' filter of the mailing '%(name)s' is not valid: %(error)s")
                % {"name": mailing.name, "error": err})
        return query.get_sql()

    def _cci_recipient_columns(self):
        """(table, partner column or None, e-mail column) of this mailing's recipients."""
        self.ensure_one()
        model = self.mailing_model_real
        if model in RECIPIENT_COLUMNS:
            return RECIPIENT_COLUMNS[model]
        target = self.env[model]
        return (target._table, "partner_id" if "partner_id" in target._fields else None,
                "email" if "email" in target._fields else "email_from")

    def _cci_exclusions(self, recipients):
        """{res_id: reason} of the recipients not to send to. Extended by cci_pressure.

        Shared hygiene: an address that bounced or opted out, for any department, is
        protected from every department.
        """
        self.ensure_one()
        partner_ids = list({r[1] for r in recipients if r[1]})
        emails = list({r[2] for r in recipients if r[2]})
        health = {}
        if partner_ids:
            self.env.cr.execute(UNHEALTHY_PARTNERS, {"ids": partner_ids})
            health = dict(self.env.cr.fetchall())
        opted_out_emails = set()
        if emails:
            self.env.cr.execute(render(self.env.cr, OPTED_OUT_EMAILS), {"emails": emails})
            opted_out_emails = {r[0] for r in self.env.cr.fetchall()}
        bounced_emails = self._cci_bounced_addresses(
            list({r[2] for r in recipients if r[2] and not r[1]}))
        reasons = {
            "bounced": _("address bounced (shared hygiene)"),
            "opted_out": _("opted out of mailings (shared hygiene)"),
        }
        excluded = {}
        for res_id, partner_id, email in recipients:
            if partner_id in health:
                excluded[res_id] = reasons[health[partner_id]]
            elif email in opted_out_emails:
                excluded[res_id] = reasons["opted_out"]
            elif not partner_id and email in bounced_emails:
                excluded[res_id] = reasons["bounced"]
        return excluded

    @api.model
    def _cci_bounced_addresses(self, emails):
        """Of these addresses known to no contact, those that bounced: a bounce on the
        timeline with no sign of life after it, or repeated soft bounces of the mailing
        contact (the partner's e-mail health says the same for a contact's address)."""
        if not emails:
            return set()
        self.env.cr.execute(render(self.env.cr, BOUNCED_EMAILS),
                            {"emails": emails, "limit": BOUNCE_COUNTER_LIMIT})
        return {r[0] for r in self.env.cr.fetchall()}
