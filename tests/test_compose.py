"""The compose files describe what the README says: SQLite by default, PostgreSQL with shard processes apart."""

from pathlib import Path

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {str(f.validation_alias) for f in Settings.model_fields.values()}


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_the_default_compose_file_is_one_sqlite_process():
    services = load("docker-compose.yml")["services"]
    assert set(services) == {"bot"}
    env = services["bot"]["environment"]
    assert env["QUIZBOT_DATABASE"].endswith(".sqlite3") and "QUIZBOT_DATABASE_URL" not in env


def test_the_postgres_compose_file_runs_every_shard_once_on_a_healthy_official_server():
    compose = load("docker-compose.postgres.yml")
    services = compose["services"]
    pg = services["postgres"]
    assert pg["image"].split(":")[0] == "postgres" and int(pg["image"].split(":")[1].split("-")[0]) >= 17
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    volume = pg["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # a named volume, not a folder of the host
    shards = {name: s for name, s in services.items() if name != "postgres"}
    counts = {s["environment"]["QUIZBOT_SHARD_COUNT"] for s in shards.values()}
    assert len(counts) == 1
    ids = [int(i) for s in shards.values() for i in s["environment"]["QUIZBOT_SHARD_IDS"].split(",")]
    assert sorted(ids) == list(range(int(counts.pop())))
    for s in shards.values():
        assert s["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert s["environment"]["QUIZBOT_DATABASE_URL"].startswith("postgresql://")
        assert set(s["environment"]) <= SETTINGS | {"DISCORD_TOKEN"}, set(s["environment"]) - SETTINGS
