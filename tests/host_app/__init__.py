"""A small Flask application built the ordinary way, with the LMS mounted under /learn.

It has its own Flask-SQLAlchemy models, its own Flask-Login login page, its own Flask-Migrate
migrations and a plain POST form without CSRF: the tests here show that the LMS leaves all of
it working. The package imports nothing from the LMS's tests, so the wheel test can copy it
next to an installed LMS.
"""
