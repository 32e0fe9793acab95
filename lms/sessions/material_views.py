"""Adding, downloading and removing session materials."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, SubmitField, URLField
from wtforms.validators import DataRequired, Length, Optional

from lms.auth import permissions
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.forms import choices
from lms.sessions import materials
from lms.sessions.models import Material, MaterialKind
from lms.sessions.views import load_session

bp = Blueprint("materials", __name__)


class MaterialForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    kind = SelectField("Kind", choices=choices((k.value, k.value.title()) for k in MaterialKind))
    url = URLField("Link", validators=[Optional(), Length(max=1000)], description="An https:// address, or …")
    upload = FileField("File", description="… a file: PDF, PowerPoint, Word, Excel, OpenDocument, PNG, JPEG or ZIP.")
    licence = StringField("Licence", validators=[Optional(), Length(max=200)], description="For example CC BY 4.0.")
    attribution = StringField("Attribution", validators=[Optional(), Length(max=1000)],
                              description="Who made it, as the licence asks you to credit them.")
    submit = SubmitField("Add material")


def _material(material_id: int) -> Material:
    try:
        return materials.get_material(material_id)
    except NotFoundError:
        abort(404)


@bp.route("/cohorts/<slug>/sessions/<lms_id:number>/materials/new", methods=["GET", "POST"])
@login_required
def material_new(slug: str, number: int) -> str | Response:
    session = load_session(slug, number)
    permissions.authorize(permissions.can_teach(current_user, session.cohort))
    form = MaterialForm()
    if form.validate_on_submit():
        upload = form.upload.data
        try:
            materials.add_material(session, title=form.title.data, kind=form.kind.data, url=form.url.data or "",
                                   licence=form.licence.data or "", attribution=form.attribution.data or "",
                                   upload=upload.stream if upload else None,
                                   filename=upload.filename if upload else "")
        except ValidationError as error:
            db.session.rollback()
            form.form_errors.extend(error.problems)
        else:
            db.session.commit()
            flash("Material added.", "success")
            return redirect(url_for("lms.sessions.session_view", slug=slug, number=number))
    return render_template("lms/sessions/material_form.html", session=session, cohort=session.cohort, form=form)


@bp.get("/materials/<lms_id:material_id>/download")
@login_required
def material_download(material_id: int) -> Response:
    material = _material(material_id)
    permissions.authorize(permissions.can_join(current_user, material.session.cohort))
    if not material.stored_name:
        abort(404)
    path = materials.upload_folder() / material.stored_name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=material.content_type, as_attachment=True,
                     download_name=material.original_name or material.stored_name)


@bp.post("/materials/<lms_id:material_id>/delete")
@login_required
def material_delete(material_id: int) -> Response:
    material = _material(material_id)
    session = material.session
    permissions.authorize(permissions.can_teach(current_user, session.cohort))
    materials.delete_material(material)
    db.session.commit()
    flash("Material removed.", "success")
    return redirect(url_for("lms.sessions.session_view", slug=session.cohort.slug, number=session.number))
