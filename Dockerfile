FROM python:3.12-slim

WORKDIR /app
# Editable install: the package finds banks/ and migrations/ beside it.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY banks ./banks
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . \
    && useradd --create-home --uid 10001 quizbot \
    && mkdir -p /data && chown quizbot /data

USER quizbot
ENV QUIZBOT_DB=/data/quizbot.db \
    QUIZBOT_BANKS=/app/banks \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
CMD ["quizbot", "run"]
