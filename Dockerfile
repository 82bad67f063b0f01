# physlit image: gunicorn serves the web app (the default command); the same image runs the Celery
# worker and beat (see compose.yaml). Build: docker build -t physlit .

# KaTeX from the npm registry, pinned by package-lock.json, served from our static files (no CDN).
FROM node:20-slim AS katex
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PHYSLIT_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/staticfiles
WORKDIR /app

# The CPU build of torch first: requirements.txt pins the same version, and torch from PyPI alone would
# pull gigabytes of CUDA libraries. A layer of its own, so code changes do not reinstall it.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
COPY --from=katex /build/node_modules/katex/dist static/vendor/katex
# Static files are collected into the image (not var/, which is a volume shared with the workers). Settings
# refuse to load without a secret key when DEBUG is off; this one exists only for this build step.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-runtime-key python manage.py collectstatic --noinput \
 && useradd --system --create-home --uid 10001 physlit \
 && mkdir -p /app/var \
 && chown physlit:physlit /app/var
USER physlit

EXPOSE 8000
# physlit.gunicorn_conf: one core per sync worker, and the index loaded before a worker takes requests.
# Never published directly: sync workers belong behind a buffering proxy (compose.yaml: nginx, deploy/).
CMD ["gunicorn", "-c", "python:physlit.gunicorn_conf", "--access-logfile", "-", "physlit.wsgi"]
