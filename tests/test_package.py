"""The package as an operator installs it (README, "Production"): an sdist and a wheel built from
the repository's files, installed into a fresh virtualenv without a registry, run from another
directory: `flask --app eventops db upgrade` migrates an empty database and
`gunicorn 'eventops:create_app()'` serves the login page in Chinese with its style sheet.

On PostgreSQL it goes by the book: the roles of deploy/postgresql/roles.sql, migrations as the
owner, the application as the role with data rights only.
"""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from .conftest import PG_URL
from .servers import gunicorn
from .test_db_roles import by_the_book  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
WHEELHOUSE = Path(os.environ.get("EVENTOPS_WHEELHOUSE", ROOT / ".venv" / "wheelhouse"))

pytestmark = pytest.mark.slow


def run(*args, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def repository_files(target: Path) -> None:
    """The files git would commit (tracked and new, without what .gitignore leaves out: .venv,
    instance/, compiled .mo files), copied to ``target``: the build sees no more than a clone."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtualenv with the wheel built from an sdist of the repository; (bin dir, wheel)."""
    if not (WHEELHOUSE / ".complete").exists():
        pytest.fail(f"no wheels at {WHEELHOUSE}: `make wheelhouse` (part of `make test`) fills it")
    work = tmp_path_factory.mktemp("package")
    source, dist, venv = work / "source", work / "dist", work / "venv"
    repository_files(source)
    run(sys.executable, "-m", "venv", venv)
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "--no-input"]
    offline = ["--no-index", "--find-links", WHEELHOUSE]
    run(*pip, "install", "--quiet", *offline, "setuptools>=68", "wheel", "Babel")
    run(venv / "bin" / "python", "-c",
        f"from setuptools import build_meta; build_meta.build_sdist({str(dist)!r})", cwd=source)
    (sdist,) = dist.glob("eventops-*.tar.gz")
    run(*pip, "wheel", "--quiet", "--no-deps", *offline, "-w", dist, sdist)  # the wheel from the sdist
    (wheel,) = dist.glob("eventops-*.whl")
    run(*pip, "install", "--quiet", *offline, wheel)
    return venv / "bin", wheel, source


def test_the_wheel_carries_everything_the_app_reads(installed):
    names = set(zipfile.ZipFile(installed[1]).namelist())
    for wanted in ["eventops/share/templates/base.html", "eventops/share/templates/accounts/login.html",
                   "eventops/share/static/css/app.css", "eventops/share/static/vendor/jsqr/jsQR.js",
                   "eventops/share/badges/layouts/standard.json", "eventops/share/migrations/env.py",
                   "eventops/share/migrations/alembic.ini", "eventops/translations/zh/LC_MESSAGES/messages.mo"]:
        assert wanted in names, wanted
    migrations = [n for n in names if n.startswith("eventops/share/migrations/versions/") and n.endswith(".py")]
    assert len(migrations) == len(list((ROOT / "migrations" / "versions").glob("*.py")))
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "bench/"))]


@pytest.fixture
def database(tmp_path, by_the_book):
    """(URL for migrations, URL for the application): one SQLite file; on PostgreSQL a new
    database set up by deploy/postgresql/roles.sql, the owner migrating, the application role serving."""
    if not PG_URL:
        url = f"sqlite:///{tmp_path / 'installed.sqlite3'}"
        return url, url
    return by_the_book["owner_url"], by_the_book["app_url"]


def test_installed_package_migrates_and_serves_chinese_from_another_directory(installed, database, tmp_path):
    bin_dir, _wheel, source = installed
    owner_url, app_url = database
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "EVENTOPS_SECURE_COOKIES": "0"}
    # no secret key given: the development fallback writes one to ./instance, not into site-packages
    run(bin_dir / "flask", "--app", "eventops", "db", "upgrade", cwd=elsewhere,
        env={**env, "EVENTOPS_DATABASE_URL": owner_url})
    log = tmp_path / "gunicorn.log"
    # as deploy/systemd/eventops.service starts it, with deploy/gunicorn.conf.py
    with gunicorn(bin_dir / "gunicorn", "eventops:create_app()", cwd=elsewhere, log=log,
                  options=["-c", source / "deploy" / "gunicorn.conf.py"],
                  env={**env, "EVENTOPS_DATABASE_URL": app_url, "EVENTOPS_PROXY_COUNT": "1"}) as base:
        login = requests.get(base + "/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}, timeout=10)
        assert login.status_code == 200, log.read_text()[-3000:]
        assert "登录" in login.text and 'lang="zh' in login.text
        assert login.headers["Cache-Control"] == "no-store"
        css = requests.get(base + "/static/css/app.css", timeout=10)
        assert css.status_code == 200 and "body" in css.text
        health = requests.get(base + "/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["checks"]["database"]["ok"] is True
        assert requests.get(base + "/e/no-such-event", timeout=10).status_code == 404
        secret = "S3cretPersonalLinkToken0123456789abcdefghi"
        personal = requests.get(f"{base}/r/{secret}", headers={"X-Request-ID": "nginx-rid-0123456789"}, timeout=10)
        assert personal.status_code == 404 and personal.headers["X-Request-ID"] == "nginx-rid-0123456789"
    access_log = log.read_text()
    assert 'rid=nginx-rid-0123456789' in access_log and '"GET /r/…" 404' in access_log, access_log[-2000:]
    assert secret not in access_log
    site_packages = next((bin_dir.parent / "lib").glob("python3*/site-packages"))
    assert (elsewhere / "instance" / "secret_key").exists()
    assert not (site_packages / "instance").exists() and not (site_packages / "eventops" / "instance").exists()
    assert not (ROOT / "eventops" / "share").exists()  # the build wrote nothing into the checkout
    if PG_URL:
        assert make_url(app_url).username != make_url(owner_url).username


def test_the_systemd_units_are_valid_for_the_installed_package(installed, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    bin_dir, _wheel, source = installed
    units = []
    for unit in (source / "deploy" / "systemd").glob("*.service"):
        target = tmp_path / unit.name
        target.write_text(unit.read_text().replace("/srv/eventops/venv/bin", str(bin_dir)))
        units.append(target)
    assert len(units) == 2
    result = subprocess.run([analyze, "verify", *map(str, units)], capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0 and not problems, problems
