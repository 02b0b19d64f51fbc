"""The compose file and image (no Docker engine here: read them as the compose spec does)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from conftest import run_quizbot

from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]


def compose_service() -> tuple[dict[str, Any], dict[str, Any]]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    return compose, compose["services"]["quizbot"]


def dockerfile_env() -> dict[str, str]:
    """The ENV of the Dockerfile (``ENV A=1 \\ B=2`` form)."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found.update(re.findall(r"([A-Z_]+)=(\S+)", line))
    return found


def env_file(path: Path) -> dict[str, str]:
    """The variables a .env file sets (``NAME=value`` lines; comments set nothing)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, equals, value = line.partition("=")
        if equals and not name.lstrip().startswith("#"):
            found[name.strip()] = value.strip()
    return found


def container_env(dotenv: dict[str, str] | None = None) -> dict[str, str]:
    """What the bot sees in the container: the image's ENV, then ``env_file`` (the .env the
    README has copied from .env.example), then the compose ``environment:``, which wins."""
    _, service = compose_service()
    return {
        **dockerfile_env(),
        **(dotenv or {}),
        **{k: str(v) for k, v in service["environment"].items()},
    }


def test_compose_runs_quizbot_with_its_data_volume_and_env_file() -> None:
    compose, service = compose_service()
    assert service["command"] == ["quizbot", "run", "--no-console"]
    assert service["env_file"] == [".env"]
    assert service["restart"] == "unless-stopped"
    assert service["build"] == "."
    # quizbot alone, unless the `postgres` profile adds its database.
    assert [name for name, s in compose["services"].items() if not s.get("profiles")] == ["quizbot"]


def test_the_named_volume_holds_the_database_and_its_backups() -> None:
    compose, service = compose_service()
    volume, _, mount = service["volumes"][0].partition(":")
    assert volume in compose["volumes"]  # named, not a bind mount
    env = container_env()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        quizbot_db=Path(env["QUIZBOT_DB"]),
        quizbot_backup_dir=env.get("QUIZBOT_BACKUP_DIR", ""),
    )
    database = settings.quizbot_db
    assert database.is_relative_to(mount)
    assert settings.backup_dir(database).is_relative_to(mount)
    # The migrations' own backups go beside the database: in the volume too.


def test_healthcheck_runs_quizbot_health_on_the_port_the_bot_listens_on() -> None:
    _, service = compose_service()
    check = service["healthcheck"]
    assert check["test"][:3] == ["CMD", "quizbot", "health"]
    assert (check["interval"], check["timeout"], check["retries"], check["start_period"]) == (
        "30s",
        "5s",
        3,
        "30s",
    )
    env = container_env()
    port = int(env.get("QUIZBOT_HEALTH_PORT", Settings.model_fields["quizbot_health_port"].default))
    settings = Settings(_env_file=None, quizbot_health_port=port)  # type: ignore[call-arg]
    if "--url" in check["test"]:
        url = check["test"][check["test"].index("--url") + 1]
    else:
        url = settings.health_url  # what `quizbot health` asks without --url
    assert f":{port}/health" in url
    assert re.search(rf"^EXPOSE {port}$", (REPO / "Dockerfile").read_text(), re.MULTILINE)


def test_image_installs_what_the_bot_reads_at_run_time() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("COPY bot ", "COPY banks ", "COPY migrations ", "pip install"):
        assert needed in dockerfile
    assert 'CMD ["quizbot", "run", "--no-console"]' in dockerfile
    env = dockerfile_env()
    # Banks are read from where they were copied; the database lives in the volume.
    assert env["QUIZBOT_BANKS"] == "/app/banks" and "COPY banks ./banks" in dockerfile
    assert env["QUIZBOT_DB"].startswith("/data/") and 'VOLUME ["/data"]' in dockerfile
    # The health client is quizbot itself (aiohttp comes with discord.py): no curl needed.
    assert "curl" not in dockerfile and "wget" not in dockerfile


def test_env_example_names_every_setting() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"{name.upper()}=" in example


def test_the_container_without_a_token_exits_naming_the_variables(tmp_path: Path) -> None:
    """What the compose service runs, with nothing typed (a container's stdin) and no token:
    a clear error and a non-zero exit, not a console that reads end of input and exits 0."""
    _, service = compose_service()
    program, *args = service["command"]
    assert program == "quizbot"
    done = run_quizbot(tmp_path, *args)
    assert done.returncode == 2
    assert "no platform token is configured" in done.stderr
    assert "DISCORD_TOKEN" in done.stderr and "SLACK_BOT_TOKEN" in done.stderr
    assert "offline console" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "quiz.db").exists()  # nothing opened, nothing to clean up


def test_env_example_copied_to_env_keeps_the_containers_paths_and_host() -> None:
    """README: `cp .env.example .env`. Its values must not point the container at a database
    outside the volume, at banks that are not in the image, or the health endpoint at the
    container's loopback only."""
    example = env_file(REPO / ".env.example")
    env = container_env(example)
    assert env["QUIZBOT_DB"].startswith("/data/")
    assert env["QUIZBOT_BACKUP_DIR"].startswith("/data/")
    assert env["QUIZBOT_BANKS"] == "/app/banks"
    assert env["QUIZBOT_HEALTH_HOST"] == "0.0.0.0"
    # And outside Docker the commented values are the defaults, so nothing changes there.
    assert "QUIZBOT_BANKS" not in example and "QUIZBOT_HEALTH_HOST" not in example
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    for name in ("QUIZBOT_BANKS", "QUIZBOT_HEALTH_HOST"):
        (line,) = [line for line in text.splitlines() if f"{name}=" in line]
        default = Settings.model_fields[name.lower()].default
        assert line == f"# {name}={default}"


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` out of the build context (its .dockerignore rules: paths
    from the context root, ``*`` within one segment, ``**`` across any; a match on a folder
    leaves out everything under it; no ``!`` exceptions are used here)."""
    for pattern in patterns:
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]")
        if re.fullmatch(rf"{regex}(/.*)?", path):
            return True
    return False


def test_dockerignore_keeps_secrets_databases_and_the_venv_out_of_the_build() -> None:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert not any(pattern.startswith("!") for pattern in patterns)
    for secret in (
        ".env",
        ".env.local",
        ".venv/bin/python",
        "quizbot.db",
        "quizbot.db-wal",
        "data/quizbot.db",
        "backups/quizbot-20261126-100000.db",
        "quizbot.db.v3-20261126.bak",
        "bot/__pycache__/cli.cpython-312.pyc",
        ".git/config",
    ):
        assert dockerignored(secret, patterns), secret
    # Everything the Dockerfile copies is still sent.
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copied = [
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    ]
    assert copied
    for source in copied:
        assert (REPO / source).exists(), source
        for path in [source] + [
            str(p.relative_to(REPO))
            for p in (REPO / source).rglob("*")
            if (REPO / source).is_dir() and "__pycache__" not in p.parts
        ]:
            assert not dockerignored(path, patterns), path


def test_compose_gives_quizbot_time_to_stop_and_documents_slack_http_port() -> None:
    _, service = compose_service()
    # Docker's default 10 s would cut short quizbot's stop (5 s per stage, platforms then the
    # scheduler, then the database).
    from bot.running import STOP_WITHIN_S

    grace = service["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) >= 2 * STOP_WITHIN_S + 10
    compose = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    port = Settings.model_fields["slack_port"].default
    assert f'#   - "{port}:{port}"' in compose  # publishing SLACK_PORT for HTTP mode
    assert "ports" not in service  # nothing published by default


def test_the_postgres_profile_adds_a_database_quizbot_waits_for_and_nothing_else() -> None:
    compose, service = compose_service()
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"], "only `--profile postgres` starts it"
    assert postgres["image"].startswith("postgres:15")
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert postgres["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in postgres["healthcheck"]["test"][1]
    volume, mount = postgres["volumes"][0].split(":")
    assert volume in compose["volumes"] and mount == "/var/lib/postgresql/data"
    # quizbot waits for it when the profile is on, and runs on SQLite without it.
    wait = service["depends_on"]["postgres"]
    assert wait == {"condition": "service_healthy", "required": False}
    assert "QUIZBOT_DATABASE_URL" not in service.get("environment", {})
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    (line,) = [line for line in example.splitlines() if "QUIZBOT_DATABASE_URL=" in line]
    assert line.startswith("# QUIZBOT_DATABASE_URL=postgresql://quizbot:")
    assert line.endswith("@postgres:5432/quizbot")
    assert Settings(
        _env_file=None, quizbot_database_url=line.partition("=")[2]
    ).quizbot_database_url
