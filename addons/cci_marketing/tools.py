"""Helpers shared by the chamber's addons that are not models."""
from contextlib import contextmanager


@contextmanager
def sql_settings(cr, **settings):
    """PostgreSQL settings for the queries run inside the block, put back after it (and
    gone with the transaction in any case), e.g. ``sql_settings(cr, work_mem="256MB")``."""
    names = sorted(settings)
    if not names:
        yield
        return
    cr.execute("SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)"
                                     for _name in names),
               [arg for name in names for arg in (name, name, settings[name])])
    row = cr.fetchone()
    try:
        yield
    finally:
        cr.execute("SELECT " + ", ".join("set_config(%s, %s, true)" for _name in names),
                   [arg for n, name in enumerate(names) for arg in (name, row[2 * n])])
