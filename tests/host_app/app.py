"""The host application (an ordinary Flask app) and the LMS mounted in it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

HERE = Path(__file__).resolve().parent


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
migrate = Migrate()


class User(UserMixin, db.Model):
    __tablename__ = "host_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))


class Comment(db.Model):
    __tablename__ = "host_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("host_user.id"))
    body: Mapped[str] = mapped_column(Text)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def lms_host_user() -> tuple[str, str] | None:
    """The adapter the LMS calls (LMS_HOST_USER): who is logged in to the host, or None."""
    if current_user.is_authenticated:
        return current_user.email, current_user.display_name
    return None


def create_app(config: dict[str, Any] | None = None, mount_lms: bool = True) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="host-app-secret", SQLALCHEMY_DATABASE_URI="sqlite://")
    app.config.from_prefixed_env("HOST")  # e.g. HOST_SQLALCHEMY_DATABASE_URI
    app.config.update(config or {})
    db.init_app(app)
    migrate.init_app(app, db, directory=str(HERE / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "login"

    @app.get("/")
    def home() -> str:
        comments = db.session.execute(select(Comment).order_by(Comment.id)).scalars().all()
        return render_template("home.html", comments=comments)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            user = db.session.execute(select(User).where(User.email == request.form["email"])).scalar_one_or_none()
            if user is not None and check_password_hash(user.password_hash, request.form["password"]):
                login_user(user)
                target = request.args.get("next", "")
                return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("home"))
            flash("Wrong e-mail or password.")
        return render_template("login.html")

    @app.post("/logout")
    @login_required
    def logout() -> Any:
        logout_user()
        return redirect(url_for("home"))

    @app.post("/comments")
    def comment() -> tuple[str, int]:
        """A plain form (or a webhook): no CSRF token, and it must keep working."""
        db.session.add(Comment(author_id=current_user.get_id() and int(current_user.get_id()),
                               body=request.form["body"]))
        db.session.commit()
        return "thanks", 200

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "the host's own not-found page", 404

    if mount_lms:
        from lms import LMS

        app.config.setdefault("LMS_HOST_USER", lms_host_user)
        app.config.setdefault("LMS_BASE_TEMPLATE", "base.html")
        app.config.setdefault("LMS_BASE_URL", "http://localhost")
        LMS().init_app(app, url_prefix="/learn", db=db)
    return app


def add_user(email: str, display_name: str, password: str, method: str = "scrypt") -> User:
    user = User(email=email, display_name=display_name, password_hash=generate_password_hash(password, method))
    db.session.add(user)
    db.session.commit()
    return user
