"""Ledger rows name their source by a key that survives a port (see ``odoo11.py``): the
rows written before this version name it by its Odoo 11 model, converted here."""
from odoo.addons.cci_marketing.odoo11 import LEGACY_SOURCES

# A row already recorded under the new key (a capture during the update) is the same fact:
# the old one goes, so that the unique key (kind, source_model, source_id, source_sub_id)
# holds, then the others take the new key.
DROP_DUPLICATES = """
    DELETE FROM cci_interaction legacy
     USING cci_interaction current
     WHERE legacy.source_model = %(old)s AND current.source_model = %(new)s
       AND current.kind = legacy.kind AND current.source_id = legacy.source_id
       AND current.source_sub_id = legacy.source_sub_id
"""
RENAME = "UPDATE cci_interaction SET source_model = %(new)s WHERE source_model = %(old)s"


def migrate(cr, version):
    if not version:
        return
    for old, new in sorted(LEGACY_SOURCES.items()):
        cr.execute(DROP_DUPLICATES, {"old": old, "new": new})
        cr.execute(RENAME, {"old": old, "new": new})
