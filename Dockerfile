# optobot: the member assistant of OptoNet e.V.
# Build:  docker build -t optobot .
# Run:    docker run -p 8080:8080 -v optobot-data:/data --env-file .env optobot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPTOBOT_DATA_DIR=/data \
    OPTOBOT_HTTP_PORT=8080

RUN useradd --create-home --uid 10001 optobot \
    && mkdir -p /data && chown optobot:optobot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
RUN pip install .

USER optobot
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"OPTOBOT_HTTP_PORT\", \"8080\")}/healthz', timeout=4)"

CMD ["optobot", "serve"]
