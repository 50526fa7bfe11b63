from contextlib import contextmanager, nullcontext

from odoo.exceptions import UserError
from odoo.tests.common import SavepointCase

# What no message to a user may show: the words of a raw error.
RAW_ERROR_WORDS = ("Traceback", "ValueError", "TypeError", "KeyError", "Expected singleton",
                   "psycopg2")


class CciCase(SavepointCase):
    """A small chamber: two departments, a user per role, a company with two contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True,
                                   mail_create_nolog=True, no_reset_password=True))
        cls.env = env
        Users = env["res.users"]
        cls.group_user = env.ref("cci_marketing.group_cci_user")
        cls.group_moderator = env.ref("cci_marketing.group_cci_moderator")
        employee = env.ref("base.group_user")

        def user(login, groups):
            return Users.create({
                "name": login.title(),
                "login": "t_" + login,
                "email": "t_%s@chamber.example.com" % login,
                "groups_id": [(6, 0, [employee.id] + [g.id for g in groups])],
            })

        cls.moderator = user("moderator", [cls.group_moderator])
        cls.user_formation = user("formation", [cls.group_user])
        cls.user_international = user("international", [cls.group_user])
        cls.employee = user("employee", [])
        Department = env["cci.department"]
        cls.dep_formation = Department.create({
            "name": "T Formation", "code": "T_FORM",
            "user_ids": [(6, 0, cls.user_formation.ids)],
        })
        cls.dep_international = Department.create({
            "name": "T International", "code": "T_INTL",
            "user_ids": [(6, 0, cls.user_international.ids)],
        })
        Partner = env["res.partner"]
        cls.company = Partner.create({"name": "Boulangerie Martin", "is_company": True,
                                      "email": "contact@boulangerie-martin.example.com"})
        cls.contact_a = Partner.create({"name": "Jeanne Martin", "parent_id": cls.company.id,
                                        "email": "jeanne@boulangerie-martin.example.com"})
        cls.contact_b = Partner.create({"name": "Louis Martin", "parent_id": cls.company.id,
                                        "email": "Louis@Boulangerie-Martin.example.com "})
        cls.loner = Partner.create({"name": "Sophie Seule", "email": "sophie@example.com"})
        cls.partner_model = env.ref("base.model_res_partner")
        # the chamber of the tests writes its reasons and messages in English (the demo's
        # in French), so that the tests read the source texts
        env.user.company_id.partner_id.lang = "en_US"

    @classmethod
    def create_mailing(cls, partners, department=None, user=None, **vals):
        """A mailing to these partners, prepared by ``user`` (default: superuser)."""
        values = {
            "name": vals.pop("name", "Invitation petit-déjeuner"),
            "body_html": "<p>Bonjour, <a href='https://www.example.com/agenda'>agenda</a></p>",
            "mailing_model_id": cls.partner_model.id,
            "mailing_domain": repr([("id", "in", partners.ids)]),
            "reply_to_mode": "email",
            "cci_department_id": (department or cls.dep_formation).id,
        }
        values.update(vals)
        Mailing = cls.env["mail.mass_mailing"]
        if user:
            Mailing = Mailing.sudo(user)
        return Mailing.create(values)

    @contextmanager
    def refused(self, *words, errors=UserError, rolled_back=False):
        """The block raises ``errors`` in whole words (none of ``RAW_ERROR_WORDS``),
        containing ``words``; with ``rolled_back``, what it wrote is rolled back (as the
        RPC call's transaction would be)."""
        with self.assertRaises(errors) as err, \
                (self.env.cr.savepoint() if rolled_back else nullcontext()):
            yield
        message = err.exception.name
        for raw in RAW_ERROR_WORDS:
            self.assertNotIn(raw, message)
        for word in words:
            self.assertIn(word, message)
