# cpq: migrate the database, then serve the API. Configure with CPQ_* variables (see README).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/cpq
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY pdf_templates ./pdf_templates
# Editable: migrations/ and pdf_templates/ are read from beside the package.
RUN pip install --no-cache-dir -e . && useradd --system --home /srv/cpq cpq && mkdir -p var && chown cpq var

USER cpq
ENV CPQ_DATABASE_URL=sqlite:////srv/cpq/var/cpq.db \
    CPQ_DOCUMENTS_DIR=/srv/cpq/var/documents
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["sh", "-c", "cpq migrate && exec cpq serve --host 0.0.0.0 --port 8000 --workers ${CPQ_WORKERS:-2}"]
