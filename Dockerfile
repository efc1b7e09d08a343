# syntax=docker/dockerfile:1
# The registry's production image: gunicorn for the web process; the same image runs the
# Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

# Code runs from /app through PYTHONPATH, so settings find templates/, static/ and var/ beside
# config/ (the copy pip installs into site-packages is shadowed). gunicorn reads its worker
# count from WEB_CONCURRENCY.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    DEBUG=0 \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 registry \
    && useradd --system --uid 10001 --gid registry --create-home --home-dir /home/registry \
        --shell /usr/sbin/nologin registry

WORKDIR /app

# Dependencies first, in their own layer: with only pyproject.toml and README.md present,
# `pip install .` installs every dependency and a still-empty project, so a code change
# does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install . && rm -rf build ./*.egg-info

# Then the project itself.
COPY . .
# collectstatic imports the settings, which refuse to load without a SECRET_KEY when DEBUG is
# off; this throwaway key exists only for that one command and is not kept in the image.
ARG BUILD_SECRET_KEY=collectstatic-only-build-key-not-used-at-run-time
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && mkdir -p static var \
    && SECRET_KEY="$BUILD_SECRET_KEY" DEBUG=0 python manage.py collectstatic --noinput \
    && chown registry:registry var

USER registry

EXPOSE 8000

# /healthz (config/health.py) answers 200 while the web process is up. The request's Host is
# 127.0.0.1, so ALLOWED_HOSTS must admit it (docker-compose.yml always adds it).
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=8)"]

CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--graceful-timeout", "30"]
