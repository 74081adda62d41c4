FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
# ffprobe and ffmpeg describe videos and make their thumbnails in the media library.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
# Every top-level package of the project (pyproject's packages; tests/test_packaging.py keeps them in step).
COPY config ./config
COPY social ./social
COPY calendar_app ./calendar_app
COPY media_library ./media_library
COPY notifications ./notifications
COPY planning ./planning
COPY api ./api
COPY manage.py ./
RUN pip install --no-cache-dir . \
 && SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
    ENCRYPTION_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))') ALLOWED_HOSTS=build \
    python manage.py collectstatic --no-input
RUN useradd --create-home app && mkdir -p /app/media && chown app /app/media
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
