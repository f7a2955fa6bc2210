"""The build step of the package; metadata, dependencies and settings are in setup.cfg.

The repository keeps templates/, static/, badges/ and migrations/ beside the package, where a
person looks for them. A wheel must carry them, and the compiled translations, inside the package:
``build_py`` copies them to ``eventops/share/`` and compiles every ``messages.po`` to
``messages.mo``. ``eventops.config`` finds them there when installed and beside the package in a
checkout.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHARED = ("templates", "static", "badges", "migrations")
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def compile_catalogs(translations: Path, target: Path) -> None:
    """Every ``<lang>/LC_MESSAGES/messages.po`` under ``translations`` to a ``.mo`` under ``target``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(translations.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(translations).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parts[-3])
        with mo.open("wb") as f:
            write_mo(f, catalog)  # fuzzy entries are left out, as pybabel compile does


class BuildWithResources(build_py):
    def run(self):
        super().run()
        translations = HERE / "eventops" / "translations"
        if getattr(self, "editable_mode", False):
            # `pip install -e .`: the checkout is the package; compile its catalogs in place
            compile_catalogs(translations, translations)
            return
        package = Path(self.build_lib) / "eventops"
        share = package / "share"
        shutil.rmtree(share, ignore_errors=True)
        for name in SHARED:
            shutil.copytree(HERE / name, share / name, ignore=JUNK)
        compile_catalogs(translations, package / "translations")


setup(cmdclass={"build_py": BuildWithResources})
