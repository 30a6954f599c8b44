# syntax=docker/dockerfile:1
# Báo cáo bot: the application image (README "Triển khai").
#
#   docker build -t baocao-bot .
#
# Stage "build" installs the application and its pinned dependencies into a virtualenv
# (deploy/install-app.sh, the same script the tests run); the runtime stage copies only
# that virtualenv onto a slim Debian with LibreOffice (DOCX -> PDF), fonts metric-
# compatible with Times New Roman (Liberation Serif, with Vietnamese), and
# postgresql-client (pg_dump / pg_restore for `baocao backup` / `baocao restore`).
# It runs as an unprivileged user; its data (secret key, exports) lives in /var/lib/baocao.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# compilers only for a dependency without a wheel for this platform; not in the image
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md requirements.lock* ./
COPY deploy/install-app.sh deploy/install-app.sh
COPY bot bot
COPY dialogs dialogs
COPY storage storage
COPY renderers renderers
RUN sh deploy/install-app.sh /opt/baocao /src

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui \
      fonts-liberation2 fonts-dejavu-core fontconfig \
      postgresql-client \
      tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && fc-cache -f \
 && groupadd --system --gid 10001 baocao \
 && useradd --system --uid 10001 --gid baocao --home-dir /var/lib/baocao \
      --shell /usr/sbin/nologin baocao \
 && install -d -o baocao -g baocao -m 0750 /var/lib/baocao /backups
COPY --from=build /opt/baocao /opt/baocao
ENV PATH=/opt/baocao/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOME=/var/lib/baocao \
    BAOCAO_DATA_DIR=/var/lib/baocao \
    BAOCAO_HOST=0.0.0.0 \
    BAOCAO_PORT=8000 \
    BAOCAO_LOG_FORMAT=json \
    TZ=Asia/Ho_Chi_Minh
USER baocao:baocao
WORKDIR /var/lib/baocao
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["baocao", "run"]
