"""The ground: every demo role logs in, reads the departments; rights hold over XML-RPC."""
import xmlrpc.client

import pytest

from conftest import DEMO_PASSWORDS


@pytest.mark.parametrize("login", sorted(DEMO_PASSWORDS))
def test_each_demo_role_logs_in_and_reads_departments(odoo, login):
    user = odoo.as_user(login)
    departments = user.call("cci.department", "search_read", [], fields=["name", "code"])
    codes = {d["code"] for d in departments}
    assert {"FORM", "INTL", "CREA", "APPR", "APPUI"} <= codes


def test_department_member_cannot_create_a_department(formation):
    with pytest.raises(xmlrpc.client.Fault) as err:
        formation.call("cci.department", "create", {"name": "Pirate", "code": "PIR"})
    assert "AccessError" in err.value.faultString or "access" in err.value.faultString.lower()


def test_moderator_manages_departments(moderator):
    dep_id = moderator.call("cci.department", "create", {"name": "Export", "code": "EXP"})
    assert moderator.call("cci.department", "write", [dep_id], {"name": "Export Asie"})
    assert moderator.call("cci.department", "unlink", [dep_id])


def test_department_code_is_unique(moderator):
    with pytest.raises(xmlrpc.client.Fault) as err:
        moderator.call("cci.department", "create", {"name": "Formation bis", "code": "FORM"})
    assert "code" in err.value.faultString


def test_users_know_their_departments(formation):
    me = formation.call("res.users", "read", [formation.uid], ["cci_department_ids"])[0]
    deps = formation.call("cci.department", "read", me["cci_department_ids"], ["code"])
    assert [d["code"] for d in deps] == ["FORM"]
