"""The fixed cost of one API request, in-process: CPU per request of the conformity answer (read
token) and of a bare DRF view in the same process, with an optional cProfile of the answer.

    python bench/fixed_cost.py [--iterations 2000] [--profile] [--keep]

Builds and seeds its own PostgreSQL database like bench/api.py (``maillon_bench_fixed``), then,
in one Django process with the production settings (``DEBUG=false``, the runtime role), calls
both as gunicorn does (the WSGI application of ``hds_platform.wsgi``, front door included, and a
plain Django handler for the bare view) and prints the CPU time per request
(``time.process_time``, the best of 5 batches). The bare view is an ``APIView`` returning a small
dict, served with Django's default middleware and DRF's default authentication, as
bench/bare_drf.py is, but inside the same process.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api

api.DATABASE = "maillon_bench_fixed"

MEASURE = """
import cProfile, io, json, os, pstats, statistics, sys, time
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings
import hds_platform.wsgi
from django.urls import path
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

setup = json.loads({setup!r})
ITER = {iterations}


class BareView(APIView):
    authentication_classes = [SessionAuthentication, BasicAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    def get(self, request):
        return Response({{"status": "ok", "items": [1, 2, 3]}})


class urls:
    urlpatterns = [path("bare/", BareView.as_view())]


BARE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def backend_cpu():
    # CPU seconds used so far by this process's PostgreSQL backend (0 on SQLite).
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:  # the database server runs elsewhere
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_request(call):
    for _ in range(50):
        call()
    batches = []
    for _ in range(5):
        server = backend_cpu()
        start = time.process_time()
        wall = time.perf_counter()
        for _ in range(ITER // 5):
            call()
        client_ms = (time.process_time() - start) / (ITER // 5) * 1000
        wall_ms = (time.perf_counter() - wall) / (ITER // 5) * 1000
        server_ms = (backend_cpu() - server) / (ITER // 5) * 1000
        batches.append((client_ms + server_ms, client_ms, server_ms, wall_ms))
    return min(batches)


def environ(path, **headers):
    # What gunicorn hands the WSGI application for a GET (headers as HTTP_*).
    return {{"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "HTTP_ACCEPT": "*/*", **headers}}


def served(application, path, expected, **headers):
    # One request as a WSGI server makes it: start the response, read the body, close it.
    started = []
    body = application(environ(path, **headers), lambda *response: started.append(response))
    content = b"".join(body)
    getattr(body, "close", lambda: None)()
    assert started[0][0].startswith(expected), (started, content[:300])
    return dict(started[0][1])


application = hds_platform.wsgi.application  # as gunicorn serves it, front door included
answer = "/api/v1/orgs/bench/processings/%d/conformity/" % setup["processing"]
summary = "/api/v1/orgs/bench/conformity/"
auth = {{"HTTP_AUTHORIZATION": "Bearer " + setup["token"]}}
served(application, answer, "200", **auth)
etag = served(application, answer, "200", **auth)["ETag"]


def get_answer():
    served(application, answer, "200", **auth)


def get_304():
    served(application, answer, "304", HTTP_IF_NONE_MATCH=etag, **auth)


def get_summary():
    served(application, summary, "200", **auth)


with override_settings(ROOT_URLCONF=urls, MIDDLEWARE=BARE_MIDDLEWARE):
    bare_application = WSGIHandler()
    served(bare_application, "/bare/", "200")
    bare = per_request(lambda: served(bare_application, "/bare/", "200"))
results = {{"bare": bare, "answer": per_request(get_answer), "answer_304": per_request(get_304),
           "summary": per_request(get_summary)}}
print("CPU ms per request, Django process + its PostgreSQL backend (best of 5 batches of %d):" % (ITER // 5))
for key, (total, client_ms, server_ms, wall_ms) in results.items():
    print("  %-12s %6.3f ms (%.3f + %.3f)   %.2fx the bare view   wall %.3f ms" % (
        key, total, client_ms, server_ms, bare[0] / total, wall_ms))
if {profile}:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(ITER):
        get_answer()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(40)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse the database and setup of --keep")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    state = Path(tempfile.gettempdir()) / "maillon_bench_fixed.json"
    with tempfile.TemporaryDirectory() as var_dir:
        env = api.app_environment(var_dir)
        if args.reuse and state.exists():
            setup = json.loads(state.read_text())
        else:
            api.prepare_database()
            api.manage(env, "migrate", "--noinput", "--database", "owner")
            setup = json.loads(api.manage(env, "shell", stdin=api.SEED.format(slug=api.SLUG)).strip().splitlines()[-1])
            state.write_text(json.dumps(setup))
        print(api.manage(env, "shell", stdin=MEASURE.format(
            setup=json.dumps(setup), iterations=args.iterations, profile=args.profile)))
    if not args.keep:
        api.psql(f"DROP DATABASE IF EXISTS {api.DATABASE} WITH (FORCE)")
        state.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
