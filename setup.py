"""The build step setuptools runs for ``pip install .`` and wheels (the metadata is in
pyproject.toml).

``templates/`` and ``migrations/`` stay at the top of the repository, where the project's
layout puts them; a built wheel carries them inside the package, as ``lms/templates`` and
``lms/migrations``, which is where an installed LMS looks for them (``lms._shipped``).
An editable install (``make setup``) reads them from the checkout instead.
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("templates", "migrations")


class BuildPyWithShippedFolders(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in SHIPPED:
            for source in sorted((ROOT / name).rglob("*")):
                if source.is_file() and "__pycache__" not in source.parts and source.suffix != ".pyc":
                    target = Path(self.build_lib, "lms", name, source.relative_to(ROOT / name))
                    self.mkpath(str(target.parent))
                    self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildPyWithShippedFolders})
