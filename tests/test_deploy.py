"""The compose file and image (no Docker engine here: read them as the compose spec does)."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_compose_runs_quizbot_with_its_data_volume_and_env_file() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["quizbot"]
    assert service["command"] == ["quizbot", "run"]
    assert service["env_file"] == [".env"]
    assert service["restart"] == "unless-stopped"
    volume, _, mount = service["volumes"][0].partition(":")
    assert volume in compose["volumes"]
    assert service["environment"]["QUIZBOT_DB"].startswith(mount + "/")
    assert service["build"] == "."


def test_image_installs_what_the_bot_reads_at_run_time() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("COPY bot ", "COPY banks ", "COPY migrations ", "pip install"):
        assert needed in dockerfile
    assert 'CMD ["quizbot", "run"]' in dockerfile


def test_env_example_names_every_setting() -> None:
    from bot.config import Settings

    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"{name.upper()}=" in example
