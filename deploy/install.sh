#!/usr/bin/env bash
# Install JupyterHub with adlab and nbgrader for a class on this server (run as root).
#
#   sudo deploy/install.sh                      # into /opt/adlab-hub, exchange /srv/nbgrader/exchange
#   sudo PREFIX=/opt/x EXCHANGE=/srv/x deploy/install.sh
#
# It is safe to run again (after a git pull, say): it brings everything up to date.
# What it makes (deploy/README.md says why):
#   $PREFIX/venv           Python (Debian's python3) with JupyterHub, JupyterLab, nbgrader
#                          and adlab, readable by every user; its etc/jupyter holds the
#                          class's nbgrader configuration and turns the instructor's
#                          extensions (formgrader, create assignment) off for students
#   $PREFIX/node_modules   configurable-http-proxy, JupyterHub's proxy (npm)
#   $PREFIX/notebooks      the course's notebooks, copied into each user's home on first login
#   $PREFIX/jupyterhub_config.py, $PREFIX/adlab-hub.env
#   $EXCHANGE              nbgrader's exchange, where assignments, submissions and feedback pass
#   groups adlab (everyone in the class) and adlab-instructors
set -euo pipefail

PREFIX=${PREFIX:-/opt/adlab-hub}
EXCHANGE=${EXCHANGE:-/srv/nbgrader/exchange}
STATE=${STATE:-/var/lib/adlab-hub}
REPO=$(cd "$(dirname "$0")/.." && pwd)
JUPYTERHUB_VERSION=6.1.1
PROXY_VERSION=5.3.0

if [ "$(id -u)" != 0 ]; then
  echo "deploy/install.sh: run it as root (sudo): it installs into $PREFIX and makes Unix groups" >&2
  exit 1
fi

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need npm || missing+=(npm)
need dot || missing+=(graphviz)
need bwrap || missing+=(bubblewrap)
/usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (apt-get)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

umask 022
mkdir -p "$PREFIX" "$STATE"
chmod 755 "$PREFIX"
chmod 700 "$STATE"

# Python: Debian's, not one under /root (students could not run it)
if [ ! -x "$PREFIX/venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$PREFIX/venv"
fi
PIP="$PREFIX/venv/bin/python -m pip --quiet --disable-pip-version-check"
grep -v '^-e' "$REPO/binder/requirements.txt" > "$PREFIX/constraints.txt"
$PIP install --upgrade pip
# adlab from a clean copy of this checkout (setuptools would reuse a stale build/lib in
# the checkout), reinstalled every time: a plain install, not a link to the checkout
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
cp -r "$REPO/adlab" "$REPO/pyproject.toml" "$REPO/README.md" "$SRC/"
find "$SRC" -name __pycache__ -prune -exec rm -rf {} +
$PIP install -c "$PREFIX/constraints.txt" "jupyterhub==$JUPYTERHUB_VERSION" "${SRC}[course]"
$PIP install --no-deps --force-reinstall "$SRC"

# the proxy
if [ ! -x "$PREFIX/node_modules/.bin/configurable-http-proxy" ] || \
   [ "$("$PREFIX/node_modules/.bin/configurable-http-proxy" --version)" != "$PROXY_VERSION" ]; then
  npm install --silent --no-fund --no-audit --prefix "$PREFIX" \
    "configurable-http-proxy@$PROXY_VERSION" >/dev/null
fi

# nbgrader for the class: one course, one exchange (sticky and writable by all, as
# nbgrader's documentation asks); the instructor's extensions off for everyone here,
# and on again in each instructor's own configuration (deploy/add-users.sh)
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"
ETC="$PREFIX/venv/etc/jupyter"
mkdir -p "$ETC"
cat > "$ETC/nbgrader_config.py" <<CONFIG
# The class's nbgrader settings, for every user (written by deploy/install.sh).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "adlab"
c.Exchange.root = "$EXCHANGE"
CONFIG
# (files in jupyter_server_config.d are read in name order: this one after nbgrader.json;
# a user's own ~/.jupyter comes after both, which is how instructors turn them on)
mkdir -p "$ETC/jupyter_server_config.d" "$ETC/labconfig"
cat > "$ETC/jupyter_server_config.d/zz-adlab-class.json" <<JSON
{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": false,
                                       "nbgrader.server_extensions.course_list": false}}}
JSON
cat > "$ETC/labconfig/page_config.json" <<JSON
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": true,
                        "@jupyter/nbgrader:create-assignment": true,
                        "@jupyter/nbgrader:course-list": true,
                        "@jupyterlab/apputils-extension:announcements": true}}
JSON

# the course's notebooks (read-only here; each user gets a copy at first login)
rm -rf "$PREFIX/notebooks"
cp -r "$REPO/notebooks" "$PREFIX/notebooks"
find "$PREFIX/notebooks" -name '.ipynb_checkpoints' -prune -exec rm -rf {} +

# the hub
cp "$REPO/deploy/jupyterhub_config.py" "$PREFIX/jupyterhub_config.py"
cat > "$PREFIX/adlab-hub.env" <<ENV
ADLAB_HUB_PREFIX=$PREFIX
ADLAB_HUB_STATE=$STATE
ADLAB_EXCHANGE=$EXCHANGE
ENV
getent group adlab >/dev/null || groupadd adlab
getent group adlab-instructors >/dev/null || groupadd adlab-instructors
touch "$PREFIX/venv/.adlab-installed"
echo "Installed into $PREFIX (exchange $EXCHANGE). Next: deploy/add-users.sh, then start the hub:"
echo "  cd $STATE && $PREFIX/venv/bin/jupyterhub -f $PREFIX/jupyterhub_config.py"
echo "(or the systemd unit deploy/adlab-hub.service)"
