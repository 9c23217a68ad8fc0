#!/usr/bin/env bash
# Does the product run on its runtime requirements alone? `make test` cannot tell: it installs the
# dev list too. This builds a venv from requirements.txt (+ the --no-deps list) exactly as `make run`
# does, makes a meme from a photo with a face through `manage.py makememe --json`, then starts
# `make run` itself (embedded mode: web server + worker on the filesystem broker) from that venv and
# makes a second meme through the web pages (log in, upload, poll until ready: tests/webclient.py).
# Everything it writes goes to a scratch folder, except the venv (.venv-runtime, kept for next time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RT=.venv-runtime
PY=$RT/bin/python
PHOTO=tests/assets/astronaut.jpg
work=$(mktemp -d)
run_pid=""

cleanup() {
    if [[ -n "$run_pid" ]] && kill -0 "$run_pid" 2>/dev/null; then
        kill -INT -- "-$run_pid" 2>/dev/null || true  # the whole group: make, runlocal, web, worker
        for _ in $(seq 1 40); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL -- "-$run_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

seconds_since() { echo $(( $(date +%s) - $1 )); }

echo "== runtime check: venv from requirements.txt + requirements-nodeps.txt only ($RT)"
t0=$(date +%s)
make --no-print-directory deps VENV="$RT"
venv_s=$(seconds_since "$t0")
echo "runtime venv ready in ${venv_s} s"

echo "== runtime check: manage.py makememe --json"
t0=$(date +%s)
export DATABASE_URL="sqlite:///$work/cli.sqlite3" MEDIA_ROOT="$work/media" CELERY_BROKER_URL=""
$PY manage.py migrate --noinput -v 0
$PY manage.py loadcaptions
$PY manage.py makememe "$PHOTO" --out "$work/meme.jpg" --json > "$work/meme.json"
$PY - "$work/meme.json" "$PHOTO" <<'EOF'
import json, sys
from pathlib import Path
from PIL import Image

report = json.loads(Path(sys.argv[1]).read_text())
assert len(report["faces"]) == 1, f"expected the astronaut's face, got {report['faces']}"
assert report["top_text"] or report["bottom_text"], "no caption"
out = Path(report["output"])
assert out.stat().st_size > 0 and out.read_bytes() != Path(sys.argv[2]).read_bytes()
Image.open(out).verify()
print(f"makememe: {report['emotion']} face, {report['top_text']!r} / {report['bottom_text']!r}")
EOF
cli_s=$(seconds_since "$t0")

echo "== runtime check: make run (embedded mode) + an upload through the web pages"
t0=$(date +%s)
port=$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
unset DATABASE_URL CELERY_BROKER_URL
# Its own session (process group), so the clean-up's Ctrl-C reaches make and everything under it.
MEDIA_ROOT="$work/media" CELERY_FILESYSTEM_DIR="$work/celery" setsid make --no-print-directory run \
    VENV="$RT" PORT="$port" RUN_DATABASE_URL="sqlite:///$work/web.sqlite3" > "$work/run.log" 2>&1 < /dev/null &
run_pid=$!
for _ in $(seq 1 300); do
    $PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/accounts/login/', timeout=2)" \
        2>/dev/null && break
    kill -0 "$run_pid" 2>/dev/null || { cat "$work/run.log"; echo "make run stopped early"; exit 1; }
    sleep 1
done
if ! $PY tests/webclient.py --url "http://127.0.0.1:$port" --photo "$PHOTO" --timeout 300 > "$work/web.json"; then
    cat "$work/web.json" "$work/run.log"
    echo "the web upload did not make a meme"
    exit 1
fi
$PY - "$work/web.json" <<'EOF'
import json, sys
from pathlib import Path

outcome = json.loads(Path(sys.argv[1]).read_text())
assert outcome["ready"] and outcome["image_url"], outcome
# Off the request: the page saw the job between the upload and the end (at least one stage).
assert outcome["stages"], f"no stage seen while polling: {outcome}"
print(f"web upload: ready, stages seen {outcome['stages']}")
EOF
web_s=$(seconds_since "$t0")
echo "runtime check ok: venv ${venv_s} s, makememe ${cli_s} s, make run + web upload ${web_s} s"
