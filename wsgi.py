"""The standalone application: ``flask --app wsgi run`` or ``gunicorn wsgi:app``."""
from lms import create_app

app = create_app()
