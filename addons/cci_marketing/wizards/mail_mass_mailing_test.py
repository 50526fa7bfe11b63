from odoo import _, api, models, tools
from odoo.exceptions import UserError

from ..odoo11 import TEST_WIZARD_MODEL
from ..sending import MAX_TEST_ADDRESSES, sending_context


class TestMassMailing(models.TransientModel):
    """A test of a mailing, approved or not: to a few addresses only, marked as a test."""

    _inherit = TEST_WIZARD_MODEL

    @api.multi
    def send_mail_test(self):
        self.ensure_one()
        addresses = tools.email_split(self.email_to)
        if not addresses:
            raise UserError(_("Give the e-mail address to send the test to."))
        if len(addresses) > MAX_TEST_ADDRESSES:
            raise UserError(_("A test goes to %d addresses at most: a mailing reaches its "
                              "audience only once the marketing manager has approved it.")
                            % MAX_TEST_ADDRESSES)
        return super(TestMassMailing, sending_context(self, test=True)).send_mail_test()
