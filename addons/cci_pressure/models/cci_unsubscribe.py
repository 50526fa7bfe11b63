import zlib

from psycopg2 import sql

from odoo import _, api, fields, models
from odoo.addons.cci_marketing.models.cci_interaction import email_sql
from odoo.addons.cci_marketing.odoo11 import CONTACT_MODEL, CONTACT_TABLE, MAILING_MODEL
from odoo.addons.cci_marketing.tools import render
from odoo.tools import email_split

from .. import unsubscribe as links

# The ledger's key of an unsubscription: source_id the mailing whose link was used,
# source_sub_id a number of the address (the same address twice is one fact).
SOURCE_UNSUBSCRIBE = "unsubscribe"
PARTNERS_BY_EMAIL = sql.SQL("SELECT id FROM res_partner WHERE {email} = %(email)s AND NOT opt_out")
CONTACTS_BY_EMAIL = sql.SQL("SELECT id FROM {table} WHERE {email} = %(email)s AND NOT opt_out")


def normalized(address):
    emails = email_split(address or "")
    return emails[0].strip().lower() if emails else None


class CciUnsubscribe(models.AbstractModel):
    """One-click unsubscribe (RFC 8058): the headers of each mail of a mailing, the check
    of the signed link and the opt-out it makes. The route is in controllers/."""

    _name = "cci.unsubscribe"
    _description = "One-click unsubscribe"

    @api.model
    def _secret(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""

    @api.model
    def _url(self, mailing_id, address, test=False):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        return base.rstrip("/") + links.path(self._secret(), mailing_id, address, test=test)

    @api.model
    def _mailto(self, mailing):
        """The address an unsubscribe request can be mailed to: the chamber's bounce
        address when the mail gateway has one, else the mailing's sender."""
        params = self.env["ir.config_parameter"].sudo()
        alias, domain = params.get_param("mail.bounce.alias"), \
            params.get_param("mail.catchall.domain")
        if alias and domain:
            return "%s@%s" % (alias, domain)
        return normalized(mailing.email_from) or normalized(self.env.user.company_id.email)

    @api.model
    def _headers(self, mailing, address, test=False):
        """The List-Unsubscribe headers of a mail of ``mailing`` to ``address``."""
        targets = ["<%s>" % self._url(mailing.id, address, test=test)]
        mailto = self._mailto(mailing)
        if mailto:
            targets.append("<mailto:%s?subject=unsubscribe>" % mailto)
        return {"List-Unsubscribe": ", ".join(targets),
                "List-Unsubscribe-Post": links.ONE_CLICK}

    @api.model
    def _verify(self, mailing_id, token, signature):
        """(mailing, address) the link names when its signature is right; (False, None)
        when the token names no address; (False, address) when it is forged or altered."""
        address = links.token_address(token)
        if not address:
            return False, None
        if not links.is_valid(self._secret(), mailing_id, address, signature):
            return False, address
        mailing = self.env[MAILING_MODEL].sudo().browse(mailing_id).exists()
        return mailing, address

    @api.model
    def _unsubscribe(self, mailing, address, origin=None):
        """Opt the address out of every mailing of the chamber at once: its contacts and
        its mailing contacts; an ``unsubscribed`` row on the timeline. Returns True."""
        self._opt_out(address)
        name = origin or _("Unsubscribed from every mailing of the chamber (one-click link "
                           "of the mailing '%s')") % mailing.name
        self._record_fact(mailing, address, "unsubscribed", SOURCE_UNSUBSCRIBE, name)
        return True

    @api.model
    def _opt_out(self, address):
        """Opt the address out of every mailing of the chamber: its contacts and its mailing
        contacts (the shared hygiene then protects it from every department)."""
        cr = self.env.cr
        cr.execute(render(cr, PARTNERS_BY_EMAIL.format(email=email_sql("email"))),
                   {"email": address})
        partners = self.env["res.partner"].sudo().browse([r[0] for r in cr.fetchall()])
        cr.execute(render(cr, CONTACTS_BY_EMAIL.format(table=sql.Identifier(CONTACT_TABLE),
                                                       email=email_sql("email"))),
                   {"email": address})
        contacts = self.env[CONTACT_MODEL].sudo().browse([r[0] for r in cr.fetchall()])
        if partners:
            partners.write({"opt_out": True})
        if contacts:
            contacts.write({"opt_out": True})

    @api.model
    def _record_fact(self, mailing, address, kind, source, name):
        """A row of ``kind`` on the timeline of the address, once per mailing and address."""
        self.env["cci.interaction"].sudo()._record([{
            "date": fields.Datetime.now(),
            "kind": kind,
            "email": address,
            "department_id": mailing.cci_department_id.id or None,
            "name": name,
            "res_model": MAILING_MODEL,
            "res_id": mailing.id,
            "mass_mailing_id": mailing.id,
            "is_solicitation": False,
            "source_model": source,
            "source_id": mailing.id,
            "source_sub_id": zlib.crc32(address.encode("utf-8")) & 0x7FFFFFFF,
        }])
