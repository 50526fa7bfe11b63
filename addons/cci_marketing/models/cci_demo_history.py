"""A year of chamber history for the demo database (called from demo/cci_history_demo.xml).

Deterministic: a seeded random generator, dates counted back from the day of installation.
Source records are written with capture deferred, dated in SQL, then ``_backfill()`` records
the ledger in one set-based pass, as an installation on a database with history would.
"""
import logging
import random
import unicodedata
from datetime import datetime, timedelta

from psycopg2 import sql

from odoo import api, fields, models

from ..odoo11 import CONTACT_MODEL, LIST_MODEL, MAILING_MODEL, MAILING_TABLE, TRACE_TABLE
from ..tools import render

_logger = logging.getLogger(__name__)

SEED = 2026
DEPARTMENTS = ["formation", "international", "creation", "apprentissage", "appui"]
COMPANIES = [
    "Boulangerie Lemoine", "Transports Garnier", "Menuiserie Fabre", "Garage du Centre",
    "Imprimerie Rousseau", "Hôtel des Voyageurs", "Pharmacie Blanchard", "Bureau Conseil Morel",
    "Fromagerie Chevalier", "Ateliers Mercier", "Vins Perrin & Fils", "Boucherie Lambert",
    "Électricité Fontaine", "Cabinet Dupuis", "Agence Gauthier Immobilier", "Brasserie Roux",
    "Plomberie Girard", "Textiles Bonnet", "Pâtisserie Faure", "Informatique Andre",
    "Jardins Leroy", "Optique Colin", "Librairie Vidal", "Quincaillerie Caron",
    "Laboratoires Picard", "Charcuterie Renaud", "Fonderie Arnaud", "Coiffure Dumont",
    "Café de la Poste", "Maçonnerie Lefèvre", "Sérigraphie Moulin", "Traiteur Giraud",
    "Cartonnages Marchand", "Auto-école Meunier", "Distillerie Barbier", "Vitrerie Brun",
    "Scierie Noël", "Fleurs Lucas", "Conserverie Muller", "Logistique Henry",
]
FIRST_NAMES = [
    "Camille", "Nicolas", "Julie", "Thomas", "Claire", "Pierre", "Sophie", "Antoine",
    "Isabelle", "Julien", "Nathalie", "Mathieu", "Céline", "Laurent", "Émilie", "François",
    "Aurélie", "Sébastien", "Hélène", "Olivier", "Marion", "Guillaume", "Sandrine", "Vincent",
    "Élodie", "Philippe", "Anne", "Romain", "Caroline", "Benoît",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Michel",
    "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André",
    "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
]
# (department, subject, days ago)
MAILINGS = [
    ("formation", "Catalogue des formations du premier semestre", 350),
    ("international", "Mission collective au Québec : inscriptions ouvertes", 335),
    ("appui", "Petit-déjeuner : le recrutement des seniors", 320),
    ("creation", "Réunion d'information « Créer son entreprise »", 300),
    ("apprentissage", "Taxe d'apprentissage : le calendrier", 285),
    ("formation", "Management : les sessions du printemps", 265),
    ("international", "Webinaire : exporter en Afrique de l'Ouest", 250),
    ("appui", "Cybersécurité : le diagnostic gratuit", 230),
    ("creation", "Prêt d'honneur : témoignages de créateurs", 215),
    ("apprentissage", "Job dating de l'alternance", 200),
    ("formation", "Bureautique : nouvelles dates", 185),
    ("international", "Salon international de l'agroalimentaire", 170),
    ("appui", "Transition énergétique : les aides régionales", 150),
    ("creation", "Atelier « Business plan » en 3 soirées", 135),
    ("formation", "Langues étrangères : cours du soir", 120),
    ("apprentissage", "Maîtres d'apprentissage : la formation", 105),
    ("international", "Newsletter export de l'été", 90),
    ("appui", "Numérique : les rendez-vous du commerce", 75),
    ("formation", "Catalogue des formations du second semestre", 60),
    ("creation", "Reprendre une entreprise : la bourse d'opportunités", 48),
    ("international", "Douane : les changements au 1er janvier", 36),
    ("apprentissage", "Forum des métiers", 25),
    ("appui", "Vœux de la chambre et agenda du trimestre", 14),
    ("formation", "Formations courtes : places disponibles", 7),
    ("international", "Rencontres acheteurs Europe du Nord", 3),
]
# The category of each sent mailing (cci_pressure's, set by its demo once it is installed:
# see _demo_categorize): all weigh 1, as a mailing without a category does.
CATEGORIES = {
    "Catalogue des formations du premier semestre": "newsletter",
    "Mission collective au Québec : inscriptions ouvertes": "invitation",
    "Petit-déjeuner : le recrutement des seniors": "invitation",
    "Réunion d'information « Créer son entreprise »": "invitation",
    "Taxe d'apprentissage : le calendrier": "newsletter",
    "Management : les sessions du printemps": "newsletter",
    "Webinaire : exporter en Afrique de l'Ouest": "invitation",
    "Cybersécurité : le diagnostic gratuit": "invitation",
    "Prêt d'honneur : témoignages de créateurs": "newsletter",
    "Job dating de l'alternance": "invitation",
    "Bureautique : nouvelles dates": "newsletter",
    "Salon international de l'agroalimentaire": "invitation",
    "Transition énergétique : les aides régionales": "newsletter",
    "Atelier « Business plan » en 3 soirées": "invitation",
    "Langues étrangères : cours du soir": "newsletter",
    "Maîtres d'apprentissage : la formation": "newsletter",
    "Newsletter export de l'été": "newsletter",
    "Numérique : les rendez-vous du commerce": "invitation",
    "Catalogue des formations du second semestre": "newsletter",
    "Reprendre une entreprise : la bourse d'opportunités": "invitation",
    "Douane : les changements au 1er janvier": "newsletter",
    "Forum des métiers": "invitation",
    "Vœux de la chambre et agenda du trimestre": "newsletter",
    "Formations courtes : places disponibles": "newsletter",
    "Rencontres acheteurs Europe du Nord": "invitation",
}
NEWSLETTER_PREFIX = "Lettre de la chambre — "
EVENTS = [
    ("apprentissage", "Salon de l'apprentissage", 210),
    ("creation", "Réunion d'information créateurs", 160),
    ("international", "Rencontres export Afrique", 120),
    ("appui", "Petit-déjeuner RH", 80),
    ("formation", "Atelier management de proximité", 40),
    ("creation", "Soirée des repreneurs", 12),
]
SURVEYS = [
    ("formation", "Satisfaction des stagiaires"),
    ("appui", "Baromètre des entreprises du territoire"),
]
MEETING_TOPICS = [
    "Plan de formation", "Projet export", "Reprise d'entreprise", "Contrat d'apprentissage",
    "Diagnostic numérique", "Recrutement", "Financement du développement",
]
LEAD_TOPICS = [
    "Formation management sur site", "Accompagnement export Canada", "Création d'un second "
    "établissement", "Accueil de deux apprentis", "Audit énergétique", "Formation anglais",
]
ACTIVITY_TOPICS = [
    "Rappeler pour le devis", "Envoyer la documentation", "Confirmer le rendez-vous",
    "Relancer le dossier", "Appel de suivi",
]


APPROVE_SQL = sql.SQL("""
    UPDATE {mailing}
       SET cci_moderation_state = 'approved', cci_moderator_id = %(moderator)s
     WHERE id IN %(ids)s
""").format(mailing=sql.Identifier(MAILING_TABLE))
# A mailing of the history, sent on its date by its department's user (who, when
# ``writer`` is given, also wrote it last).
DATE_MAILING_SQL = sql.SQL("""
    UPDATE {mailing}
       SET create_uid = %(author)s, write_uid = COALESCE(%(writer)s, write_uid),
           cci_requester_id = %(author)s, sent_date = %(sent)s, cci_planning_date = %(sent)s,
           create_date = %(created)s, state = 'done'
     WHERE id = %(mailing)s
""").format(mailing=sql.Identifier(MAILING_TABLE))
INSERT_TRACES_SQL = sql.SQL(
    "INSERT INTO {trace} (message_id, mail_mail_id_int, model, res_id, mass_mailing_id,"
    " scheduled, sent, opened, clicked, replied, bounced, state, create_uid, create_date,"
    " write_uid, write_date) VALUES ").format(trace=sql.Identifier(TRACE_TABLE))
SET_CATEGORY_SQL = sql.SQL("UPDATE {mailing} SET cci_category_id = %s WHERE id = %s").format(
    mailing=sql.Identifier(MAILING_TABLE))


def slug(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


class CciDemoHistory(models.AbstractModel):
    _name = "cci.demo.history"
    _description = "Demo history of the chamber"

    @api.model
    def generate(self):
        if self.env["res.partner"].search_count([("ref", "=like", "CCI-DEMO-%")]):
            return True  # already there: never twice
        started = datetime.now()
        rng = random.Random(SEED)
        env = self.with_context(
            cci_capture_deferred=True, tracking_disable=True, mail_create_nolog=True,
            mail_notrack=True, no_mail_to_attendees=True, mail_auto_subscribe_no_notify=True,
            install_mode=True,  # as for any demo data: no generated avatar per partner
        ).env
        now = datetime.utcnow().replace(microsecond=0)
        ref = self.env.ref
        deps = {d: ref("cci_marketing.cci_department_%s" % d) for d in DEPARTMENTS}
        users = {d: ref("cci_marketing.cci_user_%s" % d) for d in DEPARTMENTS}
        companies, contacts = self._demo_partners(env, rng)
        stats = self._demo_mailings(env, rng, now, deps, users, contacts)
        self._demo_newsletter(env, rng, now, deps, users, contacts)
        self._demo_events(env, rng, now, deps, users, contacts)
        self._demo_surveys(env, rng, now, deps, contacts)
        self._demo_meetings(env, rng, now, users, contacts)
        self._demo_leads(env, rng, now, users, contacts)
        self._demo_activities(env, rng, now, users, contacts)
        self.env["cci.interaction"]._backfill()
        _logger.info("CCI demo history: %d companies, %d contacts, %d mailing statistics in "
                     "%.1f s", len(companies), len(contacts), stats,
                     (datetime.now() - started).total_seconds())
        return True

    @api.model
    def _demo_mailing_act(self, user_xmlid, method, mailing_ids, args=None):
        """Run a moderation action as a demo user, as that user would (demo/*.xml)."""
        user = self.env.ref("cci_marketing." + user_xmlid)
        lang = user.lang or "en_US"
        if lang != "en_US":
            self._demo_load_translations(lang)
        # in the user's language: the chatter's messages and the moderator's to-dos read
        # as they would, not in the English of the installation
        mailings = self.env[MAILING_MODEL].sudo(user).with_context(lang=lang).browse(
            mailing_ids)
        return getattr(mailings, method)(*(args or []))

    @api.model
    def _demo_load_translations(self, lang):
        """Odoo loads an addon's translations after its demo data: the demo's actions, taken
        during the installation, need them before (loaded once; Odoo loads them again at the
        end of the installation, as it always does)."""
        if not self.env["ir.translation"].search_count(
                [("module", "=", "cci_marketing"), ("lang", "=", lang)]):
            self.env["ir.module.module"].search([("name", "=", "cci_marketing")]) \
                ._update_translations(filter_lang=[lang])

    @api.model
    def _demo_categorize(self, refs=None, prefix="cci_pressure.cci_mailing_category_"):
        """Give the demo's mailings their category (called by cci_pressure's demo, which
        brings the field): the history's sent mailings by their subject, the others
        ``refs`` ({xmlid: category code}). In SQL, as the history is written: nothing is
        sent back to the moderator; an approved mailing's content is stamped again."""
        Mailing = self.env[MAILING_MODEL]
        if "cci_category_id" not in Mailing._fields:
            return True
        codes = {}
        history = Mailing.search([("create_uid", "in", [
            self.env.ref("cci_marketing.cci_user_%s" % d).id for d in DEPARTMENTS]),
            ("cci_category_id", "=", False), ("state", "=", "done")])
        for mailing in history:
            if mailing.name.startswith(NEWSLETTER_PREFIX):
                codes[mailing.id] = "newsletter"
            elif mailing.name in CATEGORIES:
                codes[mailing.id] = CATEGORIES[mailing.name]
        for xmlid, code in (refs or {}).items():
            record = self.env.ref(xmlid, raise_if_not_found=False)
            if record:
                codes[record.id] = code
        for mailing_id, code in codes.items():
            self.env.cr.execute(render(self.env.cr, SET_CATEGORY_SQL),
                                (self.env.ref(prefix + code).id, mailing_id))
        Mailing.invalidate_cache()
        Mailing.browse(list(codes)).filtered(
            lambda m: m.cci_moderation_state == "approved" and m.state != "done"
        )._cci_stamp_approved_content()
        return True

    # ------------------------------------------------------------------

    @staticmethod
    def _ts(moment):
        return fields.Datetime.to_string(moment)

    def _demo_partners(self, env, rng):
        Partner = env["res.partner"]
        companies, contacts = Partner, []
        used = set()
        for n, name in enumerate(COMPANIES):
            domain = "%s.example.com" % slug(name)
            company = Partner.create({
                "name": name, "is_company": True, "ref": "CCI-DEMO-%02d" % (n + 1),
                "email": "contact@%s" % domain, "city": rng.choice(
                    ["Lyon", "Villeurbanne", "Vénissieux", "Bron", "Givors", "Tarare"]),
                "country_id": self.env.ref("base.fr").id,
            })
            companies |= company
            for _i in range(rng.randint(2, 4)):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                while (first, last, n) in used:
                    first = rng.choice(FIRST_NAMES)
                used.add((first, last, n))
                contacts.append(Partner.create({
                    "name": "%s %s" % (first, last), "parent_id": company.id,
                    "email": "%s.%s@%s" % (slug(first), slug(last), domain),
                    "function": rng.choice(["Gérant", "Gérante", "Directeur", "Directrice",
                                            "Responsable RH", "Assistante de direction",
                                            "Responsable export"]),
                }))
        return companies, contacts

    def _demo_mailings(self, env, rng, now, deps, users, contacts):
        """Sent mailings with realistic statistics; a few addresses opt out or bounce."""
        profiles = {p.id: rng.random() for p in contacts}  # appetite: 0 never reads
        for p in contacts:
            if profiles[p.id] < 0.15:
                profiles[p.id] = 0.0  # a few never open: dormant after a while
        bad_addresses = {p.id for p in rng.sample(contacts, 4)}
        opt_outs = {p.id: rng.randint(60, 300) for p in rng.sample(contacts, 3)}
        bounced_at = {}
        rows = []
        partner_model = self.env.ref("base.model_res_partner")
        mailing_ids = []
        for dep, subject, days in MAILINGS:
            sent_at = now - timedelta(days=days, hours=rng.randint(0, 8))
            audience = [p for p in rng.sample(contacts, rng.randint(35, 70))
                        if not (p.id in opt_outs and opt_outs[p.id] > days)
                        and not (p.id in bounced_at and bounced_at[p.id] > days)]
            mailing = env[MAILING_MODEL].create({
                "name": subject,
                "mailing_model_id": partner_model.id,
                "mailing_domain": repr([("id", "in", [p.id for p in audience])]),
                "body_html": "<p>Madame, Monsieur,</p><p>%s</p>" % subject,
                "reply_to_mode": "email",
                "cci_department_id": deps[dep].id,
            })
            mailing_ids.append(mailing.id)
            self._demo_date_mailing(mailing, users[dep], sent_at, writer=users[dep])
            for p in audience:
                appetite = profiles[p.id]
                stat = {"res_id": p.id, "mailing": mailing.id, "sent": sent_at,
                        "opened": None, "clicked": None, "replied": None, "bounced": None}
                if p.id in bad_addresses and days < 200:
                    stat["bounced"] = sent_at + timedelta(minutes=rng.randint(1, 30))
                    bounced_at.setdefault(p.id, days)
                elif rng.random() < appetite * 0.8:
                    stat["opened"] = sent_at + timedelta(hours=rng.randint(1, 72))
                    if rng.random() < 0.35:
                        stat["clicked"] = stat["opened"] + timedelta(minutes=rng.randint(1, 20))
                    if rng.random() < 0.05:
                        stat["replied"] = stat["opened"] + timedelta(hours=rng.randint(1, 24))
                rows.append(stat)
        self._demo_insert_stats(rows)
        self._demo_approve(mailing_ids)
        for pid in opt_outs:
            env["res.partner"].browse(pid).write({"opt_out": True})
        return len(rows)

    def _demo_insert_stats(self, rows, model="res.partner"):
        cr = self.env.cr
        values = []
        for st in rows:
            state = "bounced" if st["bounced"] and not st["sent"] else "sent"
            values.append(cr.mogrify(
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, (now() AT TIME ZONE 'UTC'), %s, (now() AT TIME ZONE 'UTC'))",
                ("<cci-demo-%d-%d@cci-demo.example.com>" % (st["mailing"], st["res_id"]), 0,
                 model, st["res_id"], st["mailing"],
                 st["sent"], st["sent"], st["opened"], st["clicked"], st["replied"],
                 st["bounced"], state, self.env.uid, self.env.uid)).decode())
        for start in range(0, len(values), 1000):
            cr.execute(
                render(cr, INSERT_TRACES_SQL)
                + ", ".join(values[start:start + 1000]))

    def _demo_approve(self, mailing_ids):
        """The history's mailings were sent: they count as approved by the marketing manager."""
        if mailing_ids:
            moderator = self.env.ref("cci_marketing.cci_user_marketing")
            self.env.cr.execute(render(self.env.cr, APPROVE_SQL),
                                {"moderator": moderator.id, "ids": tuple(mailing_ids)})
            self.env[MAILING_MODEL].invalidate_cache()

    def _demo_date_mailing(self, mailing, author, sent_at, writer=None):
        """The mailing was prepared by ``author`` five days before it left at ``sent_at``."""
        self.env.cr.execute(render(self.env.cr, DATE_MAILING_SQL), {
            "author": author.id, "writer": writer.id if writer else None,
            "sent": self._ts(sent_at), "created": self._ts(sent_at - timedelta(days=5)),
            "mailing": mailing.id})

    def _demo_newsletter(self, env, rng, now, deps, users, contacts):
        """A mailing list: some addresses are contacts, others prospects known by address."""
        mailing_list = env[LIST_MODEL].create({"name": "Lettre de la chambre"})
        Contact = env[CONTACT_MODEL]
        members = rng.sample(contacts, 20)
        for p in members:
            Contact.create({"name": p.name, "email": p.email.upper() if rng.random() < 0.3
                            else p.email, "list_ids": [(4, mailing_list.id)]})
        for n in range(8):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            Contact.create({"name": "%s %s" % (first, last),
                            "email": "%s.%s%d@prospect.example.com" % (slug(first), slug(last), n),
                            "list_ids": [(4, mailing_list.id)]})
        list_model_id = self.env["ir.model"]._get_id(LIST_MODEL)
        rows, mailing_ids = [], []
        for days in (100, 30):
            sent_at = now - timedelta(days=days)
            mailing = env[MAILING_MODEL].create({
                "name": "Lettre de la chambre — %s" % (sent_at.strftime("%m/%Y")),
                "mailing_model_id": list_model_id,
                "contact_list_ids": [(6, 0, mailing_list.ids)],
                "mailing_domain": repr([("list_ids", "in", mailing_list.ids)]),
                "body_html": "<p>Les nouvelles de la chambre</p>",
                "reply_to_mode": "email",
                "cci_department_id": deps["appui"].id,
            })
            mailing_ids.append(mailing.id)
            self._demo_date_mailing(mailing, users["appui"], sent_at)
            for contact in Contact.search([("list_ids", "in", mailing_list.ids)]):
                opened = sent_at + timedelta(hours=5) if rng.random() < 0.4 else None
                rows.append({"res_id": contact.id, "mailing": mailing.id, "sent": sent_at,
                             "opened": opened, "clicked": None, "replied": None,
                             "bounced": None})
        # the statistics of a list mailing point at mailing contacts
        self._demo_insert_stats(rows, model=CONTACT_MODEL)
        self._demo_approve(mailing_ids)

    def _demo_events(self, env, rng, now, deps, users, contacts):
        for dep, name, days in EVENTS:
            begin = now - timedelta(days=days)
            event = env["event.event"].create({
                "name": name, "cci_department_id": deps[dep].id, "user_id": users[dep].id,
                "date_begin": self._ts(begin), "date_end": self._ts(begin + timedelta(hours=3)),
                "event_mail_ids": [(5, 0, 0)],  # no reminders sent by the demo
            })
            registrations = env["event.registration"]
            for p in rng.sample(contacts, rng.randint(6, 18)):
                registrations |= registrations.create({
                    "event_id": event.id, "partner_id": p.id, "name": p.name, "email": p.email})
            for reg in registrations:
                self.env.cr.execute(
                    "UPDATE event_registration SET date_open = %s, create_date = %s"
                    " WHERE id = %s", (self._ts(begin - timedelta(days=rng.randint(2, 30))),) * 2
                    + (reg.id,))

    def _demo_surveys(self, env, rng, now, deps, contacts):
        for dep, title in SURVEYS:
            survey = env["survey.survey"].create({"title": title,
                                                  "cci_department_id": deps[dep].id})
            for p in rng.sample(contacts, rng.randint(8, 15)):
                answer = env["survey.user_input"].create({
                    "survey_id": survey.id, "partner_id": p.id, "email": p.email,
                    "state": "done", "type": "link"})
                moment = self._ts(now - timedelta(days=rng.randint(5, 330)))
                self.env.cr.execute(
                    "UPDATE survey_user_input SET write_date = %s, date_create = %s"
                    " WHERE id = %s", (moment, moment, answer.id))

    def _demo_meetings(self, env, rng, now, users, contacts):
        for _n in range(20):
            dep = rng.choice(DEPARTMENTS)
            start = (now - timedelta(days=rng.randint(1, 360))).replace(
                hour=rng.choice([9, 10, 14, 16]), minute=0, second=0)
            guests = rng.sample(contacts, rng.choice([1, 1, 2]))
            env["calendar.event"].sudo(users[dep]).create({
                "name": "%s — %s" % (rng.choice(MEETING_TOPICS), guests[0].parent_id.name),
                "start": self._ts(start), "stop": self._ts(start + timedelta(hours=1)),
                "user_id": users[dep].id,
                "partner_ids": [(6, 0, [p.id for p in guests] + [users[dep].partner_id.id])],
            })

    def _demo_leads(self, env, rng, now, users, contacts):
        for _n in range(20):
            dep = rng.choice(DEPARTMENTS)
            p = rng.choice(contacts)
            lead = env["crm.lead"].create({
                "name": "%s — %s" % (rng.choice(LEAD_TOPICS), p.parent_id.name),
                "partner_id": p.id, "user_id": users[dep].id,
                "type": rng.choice(["lead", "opportunity"]),
            })
            self.env.cr.execute("UPDATE crm_lead SET create_date = %s WHERE id = %s",
                                (self._ts(now - timedelta(days=rng.randint(1, 350))), lead.id))

    def _demo_activities(self, env, rng, now, users, contacts):
        """Done activities as Odoo 11 keeps them: a message with the activity type (written
        in SQL: one ORM message costs a tenth of a second of notifications)."""
        activity_type = self.env.ref("mail.mail_activity_data_call")
        subtype = self.env.ref("mail.mt_activities")
        for _n in range(25):
            dep = rng.choice(DEPARTMENTS)
            p = rng.choice(contacts)
            self.env.cr.execute(
                """INSERT INTO mail_message (model, res_id, record_name, message_type,
                       subtype_id, mail_activity_type_id, subject, body, author_id, date,
                       create_uid, create_date, write_uid, write_date)
                   VALUES ('res.partner', %s, %s, 'notification', %s, %s, %s, %s, %s, %s,
                           %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')""",
                (p.id, p.name, subtype.id, activity_type.id, rng.choice(ACTIVITY_TOPICS),
                 "<p>Fait.</p>", users[dep].partner_id.id,
                 self._ts(now - timedelta(days=rng.randint(1, 340))), users[dep].id,
                 users[dep].id))
