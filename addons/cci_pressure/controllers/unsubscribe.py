from werkzeug.wrappers import Response

from odoo import _, http
from odoo.http import request

from .. import unsubscribe as links


class Unsubscribe(http.Controller):
    """The one-click unsubscribe link of the mails of a mass mailing (RFC 8058): a POST
    unsubscribes at once, without login, cookie or CSRF token (the mailbox provider makes
    it); the signed link is the only credential."""

    @http.route(links.ROUTE, type="http", auth="public", methods=["POST"], csrf=False)
    def one_click(self, mailing_id, token, signature, **post):
        service = request.env["cci.unsubscribe"].sudo()
        mailing, address = service._verify(mailing_id, token, signature)
        if not mailing:
            return self._refused(address)
        service._unsubscribe(mailing, address)
        return self._text(_("%s is unsubscribed from every mailing of the chamber.") % address)

    @staticmethod
    def _refused(address):
        if address is None:
            return Unsubscribe._text(_("This unsubscribe link is not valid."), status=400)
        return Unsubscribe._text(_("This unsubscribe link is not valid: nothing was changed."),
                                 status=403)

    @staticmethod
    def _text(text, status=200):
        return Response(text, status=status, content_type="text/plain; charset=utf-8")
