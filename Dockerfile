# The medkg API: `docker compose up` runs it next to Neo4j (see docker-compose.yml).
# Build: docker build -t medkg .   Run alone: docker run -p 8000:8000 -e MEDKG_STORE=... medkg

# -- build stage: compilers only here, in case a dependency has no wheel for this platform --
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/medkg
ENV PATH=/opt/medkg/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kg ./kg
COPY api ./api
COPY extractors ./extractors
COPY loaders ./loaders
RUN pip install .

# -- runtime stage ------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/medkg/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    MEDKG_MODELS_DIR=/app/models \
    MEDKG_STORE=bolt://neo4j:7687
COPY --from=build /opt/medkg /opt/medkg
# Shipped models are read from MEDKG_MODELS_DIR (the installed package has no repo root).
COPY models /app/models
# the demo sample, for `docker compose run --rm api medkg ingest samples/`
COPY samples /app/samples
RUN useradd --create-home --uid 10001 medkg
USER medkg
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["medkg", "serve", "--host", "0.0.0.0", "--port", "8000"]
