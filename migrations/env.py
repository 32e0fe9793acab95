import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


# The LMS's schema, wherever it runs: ``flask lms db …`` (standalone or mounted in a host,
# whose own Flask-Migrate, if any, is left alone) and, standalone, ``flask db …`` too. The
# engine is the one the LMS uses (the host's database when mounted with ``db=host_db``); the
# history is kept in a version table of its own, never the host's ``alembic_version``.
from lms.core.db import db as lms_db  # noqa: E402

VERSION_TABLE = "alembic_version_lms"


def get_engine():
    return lms_db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())


def configure_args():
    """Flask-Migrate's options when ``flask db`` runs this (standalone); none for ``flask lms db``."""
    migrate = current_app.extensions.get('migrate')
    if config.attributes.get('lms_cli') or migrate is None:
        return {}
    return dict(migrate.configure_args)

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    return lms_db.metadata


def include_name(name, type_, parent_names):
    """Only the LMS's own tables: the LMS may share a database with its host app."""
    if type_ == "table":
        return name.startswith("lms_")
    return True


def render_item(type_, obj, autogen_context):
    """Write the LMS's own column types as plain SQLAlchemy ones, so revisions never
    import application code that may change after them."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True,
        include_name=include_name,
        version_table=VERSION_TABLE,
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = configure_args()
    conf_args["version_table"] = VERSION_TABLE
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            include_name=include_name,
            render_item=render_item,
            **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
