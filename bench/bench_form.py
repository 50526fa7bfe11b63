"""The form of a large mailing as the web client opens it: the `read` of the form's fields
over HTTP (XML-RPC here, the same server code), then the quota panel's read that the web
client makes once the form shows, for a mailing of 100,000 recipients with
four other planned mailings of 10,000 to 100,000 recipients overlapping it. The mailings
are committed for the server to see them, and deleted afterwards."""
import os
import pathlib
import statistics
import sys
import time
import xmlrpc.client
from datetime import timedelta

import bench_pressure

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from conftest import start_server, stop_server  # noqa: E402  pylint: disable=wrong-import-position

OTHER_SIZES = (10000, 40000, 70000, 100000)
OVERLAP_FIELDS = ("cci_overlap_count", "cci_overlap_html")
PENDING_FIELD = "cci_pressure_pending"


def _setup(env, recipients):
    from odoo import fields  # pylint: disable=import-outside-toplevel

    ids, domain = bench_pressure._audience(env.cr, recipients)  # pylint: disable=protected-access
    when = fields.Datetime.from_string(fields.Datetime.now()) + timedelta(days=10)
    names = []
    for n, size in enumerate(OTHER_SIZES):
        part = ids[:size]
        other = bench_pressure._mailing(  # pylint: disable=protected-access
            env, "Bench form other %d" % n,
            [("id", ">=", part[0]), ("id", "<=", part[-1])] + domain[2:],
            cci_moderation_state="submitted",
            cci_requested_date=fields.Datetime.to_string(when + timedelta(hours=6 * n)))
        names.append(other.id)
    mailing = bench_pressure._mailing(  # pylint: disable=protected-access
        env, "Bench form", domain, cci_moderation_state="submitted",
        cci_requested_date=fields.Datetime.to_string(when))
    env.cr.commit()
    return mailing.id, names + [mailing.id], len(ids)


def measure(registry, db, repeat, logdir, log=print):
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        mailing_id, created, recipients = _setup(env, 100000)
    logfile = pathlib.Path(logdir, "bench-form-%s.log" % db)
    logfile.write_text("")
    proc, url = start_server(db, 25, logfile)
    try:
        common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common", allow_none=True)
        models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
        uid = common.authenticate(db, "admin", "admin", {})

        def call(method, *args, **kwargs):
            return models.execute_kw(db, uid, "admin", "mail.mass_mailing", method,
                                     list(args), kwargs)
        names = sorted(call("fields_view_get", view_type="form")["fields"])

        def read(fields, **kwargs):
            times = []
            for _i in range(repeat):
                t0 = time.perf_counter()
                row = call("read", [mailing_id], fields, **kwargs)
                times.append(time.perf_counter() - t0)
            return statistics.median(times), row[0]
        form_s, row = read(names)
        assert row[PENDING_FIELD], "the form's read leaves the quota check for later"
        pressure = [n for n in names if n.startswith("cci_pressure")]
        without_s, _row = read([n for n in names if n not in pressure])
        overlaps_s, _row = read(list(OVERLAP_FIELDS))
        # what the web client reads once the form shows (static/src/js/cci_quota_panel.js)
        panel_s, panel = read(pressure, context={"cci_pressure_now": True})
        assert panel["cci_pressure_checked"] and not panel[PENDING_FIELD]
        log("form: read of %d fields %.3f s (%d overlapping mailings); without the quota"
            " panel %.3f s; the overlaps alone %.3f s; the quota panel, read after the form"
            " shows, %.3f s" % (len(names), form_s, row["cci_overlap_count"], without_s,
                                overlaps_s, panel_s))
    finally:
        stop_server(proc)
        with registry.cursor() as cr:
            cr.execute("DELETE FROM mail_mass_mailing WHERE id IN %s", (tuple(created),))
            cr.commit()
    return {"seconds": form_s, "fields": len(names), "recipients": recipients,
            "overlapping": row["cci_overlap_count"], "without_quota_panel_seconds": without_s,
            "overlaps_seconds": overlaps_s, "quota_panel_seconds": panel_s}

