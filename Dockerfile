FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MAILLON_VAR_DIR=/var/lib/maillon

# WeasyPrint needs Pango; gettext compiles translations.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app maillon \
 && mkdir -p /var/lib/maillon && chown maillon /var/lib/maillon

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
RUN DEBUG=true python manage.py collectstatic --noinput \
 && chown -R maillon /var/lib/maillon

USER maillon
EXPOSE 8000
CMD ["gunicorn", "hds_platform.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
