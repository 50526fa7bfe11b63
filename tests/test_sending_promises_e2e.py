"""The two promises, attacked as an integration would over XML-RPC, counted at the SMTP sink:
nothing leaves unapproved, and nobody goes over quota, whatever the path (hand-made mails,
the composer, send_mail with any ids, forged tracking, queue runs in separate server
processes at the same moment, a server killed in the middle of a send)."""
import threading
import time

from conftest import partner_mailing, refused, run_cron, start_server, stop_server, utc

QUEUE_CRON = "mass_mailing.ir_cron_mass_mailing_queue"
MAIL_CRON = "mail.ir_cron_mail_scheduler_action"
DEADLINE = 600  # seconds: a loaded machine is only slower


def wait_for(condition, what, timeout=DEADLINE, step=None):
    """Wait until ``condition()`` is true (``step()`` between two looks, e.g. a cron)."""
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "still waiting for " + what
        if step:
            step()
        time.sleep(0.2)


def new_contacts(admin, tag, count, prefix):
    """{partner id: address} of ``count`` new contacts no other test writes to."""
    result = {}
    for n in range(count):
        email = "e2e-%s-%s-%03d@example.org" % (prefix, tag, n)
        result[admin.call("res.partner", "create", {"name": "%s %03d" % (prefix, n),
                                                    "email": email})] = email
    return result


def approved_mailing(formation, moderator, partner_ids, subject, quota, when=None):
    mailing_id = partner_mailing(formation, partner_ids, subject,
                                 cci_category_id=quota["category_id"])
    assert formation.call("mail.mass_mailing", "action_cci_submit", [mailing_id]) is True
    assert moderator.call("mail.mass_mailing", "action_cci_approve", [mailing_id],
                          when or utc(-1)) is True
    return mailing_id


def timeline_kinds(admin, partner_ids, mailing_id):
    rows = admin.call("cci.interaction", "search_read",
                      [("partner_id", "in", list(partner_ids)),
                       ("mass_mailing_id", "=", mailing_id)], fields=["kind", "partner_id"])
    return [(row["partner_id"][0], row["kind"]) for row in rows]


def mailing_finished(admin, mailing_ids):
    states = admin.call("mail.mass_mailing", "read", list(mailing_ids), ["state"])
    waiting = admin.call("mail.mail", "search_count",
                         [("mailing_id", "in", list(mailing_ids)), ("state", "=", "outgoing")])
    return all(s["state"] == "done" for s in states) and not waiting


def run_queues(admin):
    run_cron(admin, QUEUE_CRON)
    run_cron(admin, MAIL_CRON)


def test_hand_made_mails_of_a_mailing_never_leave(
        admin, moderator, formation, employee, smtp_sink, quota, tag):
    contacts = new_contacts(admin, tag, 2, "handmade")
    target, email = next(iter(contacts.items()))
    subject = "E2E hand-made %s" % tag
    submitted = partner_mailing(formation, [target], subject,
                                cci_category_id=quota["category_id"])
    formation.call("mail.mass_mailing", "action_cci_submit", [submitted])
    later = approved_mailing(formation, moderator, [target], subject + " later", quota,
                             when=utc(60 * 24 * 3))
    for user in (employee, formation, moderator):
        for mailing_id in (submitted, later):
            assert "made by its own sending only" in refused(
                user.call, "mail.mail", "create",
                {"mailing_id": mailing_id, "email_to": email, "subject": subject,
                 "body_html": "<p>Bonjour</p>"})
    for user in (formation, moderator):
        composer = user.call("mail.compose.message", "create", {
            "composition_mode": "mass_mail", "model": "res.partner",
            "mass_mailing_id": submitted, "subject": subject, "body": "<p>Bonjour</p>",
            "email_from": "formation@cci-demo.example.com",
        }, context={"active_ids": [target], "lang": "en_US"})
        refused(user.call, "mail.compose.message", "send_mail", [composer],
                context={"active_ids": [target], "lang": "en_US"})
    # a plain mail of one's own cannot be turned into a mail of the mailing either
    plain = admin.call("mail.mail", "create", {
        "email_to": email, "subject": subject + " plain", "body_html": "<p>Hi</p>"})
    for user in (employee, formation, moderator):
        refused(user.call, "mail.mail", "write", [plain], {"mailing_id": submitted})
    run_queues(admin)
    assert smtp_sink.count_by_recipient(subject) == {}
    assert admin.call("mail.mail", "search_count", [("mailing_id", "=", submitted)]) == 0
    assert ("mailing_sent" not in
            [kind for _p, kind in timeline_kinds(admin, [target], submitted)])


def test_send_mail_sends_only_to_the_approved_audience_within_quota(
        admin, moderator, formation, smtp_sink, quota, tag):
    contacts = new_contacts(admin, tag, 4, "audience")
    (anne, bruno, chloe, david) = sorted(contacts)
    first = "E2E audience before %s" % tag
    run_cron(admin, QUEUE_CRON)  # nothing else due gets in the way
    approved_mailing(formation, moderator, [david], first, quota)
    run_queues(admin)
    wait_for(lambda: smtp_sink.count_by_recipient(first), "the first mailing")
    subject = "E2E audience %s" % tag
    mailing_id = approved_mailing(formation, moderator, [anne, bruno, david], subject, quota)
    # chloe is outside the approved audience, david is over quota
    assert admin.call("mail.mass_mailing", "send_mail", [mailing_id],
                      res_ids=[anne, chloe, david]) is True
    assert "None of these recipients" in refused(
        admin.call, "mail.mass_mailing", "send_mail", [mailing_id], res_ids=[chloe])
    wait_for(lambda: smtp_sink.count_by_recipient(subject), "the mailing")
    assert smtp_sink.count_by_recipient(subject) == {contacts[anne]: 1}
    assert (david, "mailing_excluded") in timeline_kinds(admin, [david], mailing_id)


def test_nobody_forges_tracking_onto_the_timeline(
        admin, moderator, formation, employee, smtp_sink, quota, tag):
    contacts = new_contacts(admin, tag, 1, "forged")
    (target, email), = contacts.items()
    subject = "E2E forged %s" % tag
    statutory = partner_mailing(formation, [target], subject)  # weight 0: no quota
    formation.call("mail.mass_mailing", "action_cci_submit", [statutory])
    moderator.call("mail.mass_mailing", "action_cci_approve", [statutory], utc(-1))
    run_queues(admin)
    wait_for(lambda: smtp_sink.count_by_recipient(subject), "the mailing")
    stat = admin.call("mail.mail.statistics", "search_read",
                      [("mass_mailing_id", "=", statutory)], fields=["mail_mail_id_int"])[0]
    for user in (employee, formation, moderator):
        assert "written by the system only" in refused(
            user.call, "mail.mail.statistics", "create",
            {"model": "res.partner", "res_id": target, "mass_mailing_id": statutory,
             "sent": utc(), "bounced": utc()})
        refused(user.call, "mail.mail.statistics", "write", [stat["id"]], {"bounced": utc()})
        refused(user.call, "mail.mail.statistics", "set_bounced", [],
                mail_mail_ids=[stat["mail_mail_id_int"]])
        refused(user.call, "mail.mail.statistics", "set_opened", [],
                mail_mail_ids=[stat["mail_mail_id_int"]])
        refused(user.call, "mail.mail.statistics", "unlink", [stat["id"]])
    assert sorted(kind for _p, kind in timeline_kinds(admin, [target], statutory)) == [
        "mailing_sent"]
    health = admin.call("res.partner", "read", [target], ["cci_email_health"])[0]
    assert health["cci_email_health"] != "bounced"
    # the next mailing still reaches the contact: no forged bounce holds it back
    following = "E2E forged next %s" % tag
    approved_mailing(formation, moderator, [target], following, quota)
    run_queues(admin)
    wait_for(lambda: smtp_sink.count_by_recipient(following), "the next mailing")
    assert smtp_sink.count_by_recipient(following) == {email: 1}


def at_once(*calls):
    """Run these calls at the same moment, each from its own thread; their errors."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        barrier.wait()
        try:
            call()
        except Exception as err:  # noqa: BLE001 (a killed server, a refusal)
            errors.append(err)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    return errors


def race(admin, other, moderator, formation, smtp_sink, quota, name, how):
    """Two mailings to the same 30 contacts, sent at the same moment from two server
    processes (``how``: two queue runs, or two send_mail calls); the queues then run until
    both are done. Each contact gets exactly one of them, the other is held back."""
    contacts = new_contacts(admin, name, 30, "race")
    subjects = ["E2E race %s %s" % (which, name) for which in "AB"]
    mailings = [approved_mailing(formation, moderator, sorted(contacts), subject, quota)
                for subject in subjects]
    if how == "queue":
        at_once(lambda: run_cron(admin, QUEUE_CRON), lambda: run_cron(other, QUEUE_CRON))
    else:
        at_once(lambda: admin.call("mail.mass_mailing", "send_mail", [mailings[0]]),
                lambda: other.call("mail.mass_mailing", "send_mail", [mailings[1]]))
    wait_for(lambda: mailing_finished(admin, mailings), "both mailings done",
             step=lambda: run_queues(admin))
    received = {email: sum(smtp_sink.count_by_recipient(s).get(email, 0) for s in subjects)
                for email in contacts.values()}
    over = [email for email, n in received.items() if n > 1]
    print("race (%s): %d contacts, %d mails, %d got both" % (
        how, len(contacts), sum(received.values()), len(over)))
    assert not over, "%s: %d contacts got both mailings" % (how, len(over))
    assert set(received.values()) == {1}, "%s: everybody gets one of them" % how
    for partner_id in contacts:
        kinds = [kind for mailing_id in mailings
                 for _p, kind in timeline_kinds(admin, [partner_id], mailing_id)]
        assert sorted(kinds) == ["mailing_excluded", "mailing_sent"]


def test_concurrent_sendings_in_separate_processes_keep_everyone_within_quota(
        odoo, admin, moderator, formation, smtp_sink, quota, tag, tmp_path):
    proc, url = start_server(odoo.db, smtp_sink.port, tmp_path / "second-server.log")
    try:
        other = type(odoo)(url, odoo.db).as_user("admin")
        for how in ("queue", "send_mail"):
            race(admin, other, moderator, formation, smtp_sink, quota, how + tag, how)
    finally:
        stop_server(proc)


def test_a_server_killed_mid_send_sends_nobody_twice_nor_over_quota(
        odoo, admin, moderator, formation, smtp_sink, quota, tag, tmp_path):
    contacts = new_contacts(admin, tag, 100, "crash")
    subject = "E2E crash %s" % tag
    mailing_id = approved_mailing(formation, moderator, sorted(contacts), subject, quota)
    log = tmp_path / "killed-server.log"
    proc, url = start_server(odoo.db, smtp_sink.port, log)
    doomed = type(odoo)(url, odoo.db).as_user("admin")
    smtp_sink.delay = 0.1  # a slow mail server (10 s for 100): the crash comes in the middle
    try:
        sender = threading.Thread(target=at_once, args=(lambda: run_cron(doomed, QUEUE_CRON),))
        sender.start()
        wait_for(lambda: sum(smtp_sink.count_by_recipient(subject).values()) >= 20,
                 "the first mails at the sink")
        stop_server(proc, 9)
        sender.join(DEADLINE)
    finally:
        smtp_sink.delay = 0.0
        if proc.poll() is None:
            stop_server(proc, 9)
    sent_before_restart = sum(smtp_sink.count_by_recipient(subject).values())
    assert sent_before_restart < len(contacts), "the server was killed mid-send"
    # the restarted chamber: the queues run again until the mailing is done
    wait_for(lambda: mailing_finished(admin, [mailing_id]), "the mailing done",
             step=lambda: run_queues(admin))
    counts = smtp_sink.count_by_recipient(subject)
    print("crash: %d contacts, %d mails at the sink before the kill, %d after the restart, "
          "%d received it twice" % (len(contacts), sent_before_restart, sum(counts.values()),
                                    sum(1 for n in counts.values() if n > 1)))
    assert max(counts.values()) == 1, "nobody gets the same mailing twice"
    cancelled = admin.call("mail.mail", "search_read",
                           [("mailing_id", "=", mailing_id), ("state", "=", "cancel")],
                           fields=["failure_reason"])
    print("crash: %d mail(s) cancelled as interrupted" % len(cancelled))
    assert all("interrupted" in mail["failure_reason"] for mail in cancelled)
    assert len(counts) + len(cancelled) >= len(contacts), "each one sent once, or said why"
    # a second mailing to the same contacts: all of them are at quota now
    following = "E2E crash next %s" % tag
    next_id = approved_mailing(formation, moderator, sorted(contacts), following, quota)
    wait_for(lambda: mailing_finished(admin, [next_id]), "the second mailing done",
             step=lambda: run_queues(admin))
    assert smtp_sink.count_by_recipient(following) == {}
    excluded = [p for p, kind in timeline_kinds(admin, contacts, next_id)
                if kind == "mailing_excluded"]
    assert sorted(excluded) == sorted(contacts)
