FROM python:3.12-slim

WORKDIR /app
# Editable install: the package finds banks/ and migrations/ beside it.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY banks ./banks
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . \
    && useradd --create-home --uid 10001 quizbot \
    && mkdir -p /data/backups && chown -R quizbot /data

USER quizbot
# The health endpoint listens on every interface of the container, so that a monitor on the
# compose network can ask it too; nothing is published on the host unless you add `ports:`.
ENV QUIZBOT_DB=/data/quizbot.db \
    QUIZBOT_BANKS=/app/banks \
    QUIZBOT_BACKUP_DIR=/data/backups \
    QUIZBOT_HEALTH_HOST=0.0.0.0 \
    QUIZBOT_HEALTH_PORT=8080 \
    PYTHONUNBUFFERED=1
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --retries=3 --start-period=30s CMD ["quizbot", "health"]
CMD ["quizbot", "run", "--no-console"]
