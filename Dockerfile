# optobot: the member assistant of OptoNet e.V.
# Build:  docker build -t optobot .
# Run:    docker run -p 8080:8080 -v optobot-data:/data --env-file .env optobot
#
# The base image is named by its tag, not yet by digest: a digest can only be taken from
# the registry (`docker buildx imagetools inspect python:3.11-slim`), which this project's
# build machines cannot reach, and the digests that public files show are old snapshots of
# the tag that nobody here could check. Pin it where you build, and keep it fresh (Renovate
# or Dependabot update such pins):
#   docker build --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<digest> -t optobot .
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPTOBOT_DATA_DIR=/data \
    OPTOBOT_HTTP_PORT=8080

RUN useradd --create-home --uid 10001 optobot \
    && mkdir -p /data && chown optobot:optobot /data && chmod 0700 /data

WORKDIR /app
# every package pinned with its hash first, then the project alone, built by the pinned
# setuptools
COPY requirements/main.txt ./requirements/main.txt
RUN pip install --require-hashes -r requirements/main.txt
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
RUN pip install --no-deps --no-build-isolation .

USER optobot
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"OPTOBOT_HTTP_PORT\", \"8080\")}/healthz', timeout=4)"

CMD ["optobot", "serve"]
