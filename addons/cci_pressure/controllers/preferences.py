from werkzeug.wrappers import Response

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .. import unsubscribe as links
from ..models.cci_preference_page import PAGE_LANG
from .unsubscribe import Unsubscribe

FORM_ROUTE = "/cci/preferences/<int:mailing_id>/<string:token>/<string:signature>"
FORM_PATH = "/cci/preferences/%d/%s/%s"


class Preferences(http.Controller):
    """The contact's preference page: the GET of the one-click link and the mailing's
    footer link open it; its form posts to FORM_ROUTE with the same signed token."""

    @http.route(links.ROUTE, type="http", auth="public", methods=["GET"])
    def page(self, mailing_id, token, signature, **get):
        return self._answer(mailing_id, token, signature)

    @http.route(FORM_ROUTE, type="http", auth="public", methods=["POST"], csrf=False)
    def save(self, mailing_id, token, signature, **post):
        return self._answer(mailing_id, token, signature, form=request.httprequest.form)

    def _answer(self, mailing_id, token, signature, form=None):
        env = request.env(context=dict(request.env.context, lang=PAGE_LANG))
        mailing, address = env["cci.unsubscribe"].sudo()._verify(mailing_id, token, signature)
        if not mailing:
            return Unsubscribe._refused(address)
        page = env["cci.preference.page"].sudo()
        message = error = None
        if form is not None:
            try:
                with env.cr.savepoint():
                    message = page._apply(mailing, address, form)
            except UserError as err:
                error = err.name
        values = page._values(mailing, address, FORM_PATH % (mailing_id, token, signature),
                              message=message, error=error)
        html = env["ir.ui.view"].sudo().render_template("cci_pressure.preference_page", values)
        return Response(html, status=400 if error else 200,
                        content_type="text/html; charset=utf-8")
