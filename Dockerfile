# The mock as a container: small (python:3.11-slim and the wheel with its pinned
# dependencies), non-root, with a health check. Scenario files are mounted, not baked in:
#   docker build -t aimlapi-mockserver .
#   docker run -p 8000:8000 -v "$PWD/scenarios:/scenarios:ro" aimlapi-mockserver \
#       --stubs /scenarios/scenario.yaml
# Arguments after the image name are `mockserver serve` flags (docs/how-to/deploy.md).

FROM python:3.11.7-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY mockserver ./mockserver
COPY schemas ./schemas
COPY fixtures ./fixtures
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11.7-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY constraints.txt /tmp/constraints.txt
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-cache-dir -c /tmp/constraints.txt /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/constraints.txt \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mock
USER 10001
EXPOSE 8000
# /health answers 200 once the server listens; the check needs nothing but Python.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
ENTRYPOINT ["mockserver", "serve", "--host", "0.0.0.0", "--port", "8000"]
CMD []
