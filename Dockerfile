# Loonbode in one container: `loonbode serve` with SMTP intake on 2525 and the dashboard on
# 8000. Built from this checkout with `pip install .`; compose.yaml adds PostgreSQL and a
# Dovecot mailbox to try it with.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY . .
RUN pip install . && rm -rf build

# Never run as root; the data dir (SQLite when no database URL is given, raw mail,
# attachments, the generated secret key) is a volume owned by this user.
RUN useradd --system --user-group --home-dir /data --no-create-home loonbode \
    && mkdir /data && chown loonbode:loonbode /data
USER loonbode
WORKDIR /data
VOLUME /data

# Inside a container the listeners must face the container's network, not its loopback.
ENV LOONBODE_DATA_DIR=/data \
    LOONBODE_SMTP_HOST=0.0.0.0 \
    LOONBODE_HTTP_HOST=0.0.0.0
EXPOSE 2525 8000

# Healthy while the SMTP listener accepts connections (GET /healthz comes with the dashboard).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 2525), timeout=3).close()"]

CMD ["loonbode", "serve"]
