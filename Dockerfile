# syntax=docker/dockerfile:1
# Build the locked environment with uv, then run it as an unprivileged user.
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir "uv>=0.13,<0.14"
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
# The emulator (a workspace member, dev only: `python -m bot play` and the tests) is declared, not installed.
COPY emulator/pyproject.toml emulator/README.md ./emulator/
RUN uv sync --locked --no-dev --no-install-project
COPY bot ./bot
RUN uv sync --locked --no-dev --no-editable

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 quizbot && mkdir -p /data && chown quizbot /data
WORKDIR /app
COPY --from=build /app /app
COPY content ./content
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1 \
    QUIZBOT_DATABASE=/data/quizbot.sqlite3 QUIZBOT_CONTENT_DIR=/app/content
USER quizbot
VOLUME ["/data"]
ENTRYPOINT ["python", "-m", "bot"]
