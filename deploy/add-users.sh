#!/usr/bin/env bash
# Give the class its accounts on this server (run as root, after deploy/install.sh).
#
#   sudo deploy/add-users.sh --instructor ada
#   sudo deploy/add-users.sh --students class-list.txt     # one user name per line
#
# A user name that is not yet a Unix account becomes one, with a random password written
# to $PREFIX/new-passwords.csv (readable by root only; hand them out, then delete it).
# An existing account (a university's, through PAM) keeps its password and is only added
# to the group adlab. An instructor is also in adlab-instructors (the hub's admins) and
# gets ~/adlab: this repository, with .venv pointing at the shared environment, so that
# `make autograde` in ~/adlab grades the class (deploy/README.md), and exercises/ as the
# nbgrader course that Formgrader shows.
set -euo pipefail

PREFIX=${PREFIX:-/opt/adlab-hub}
REPO=$(cd "$(dirname "$0")/.." && pwd)
PASSWORDS="$PREFIX/new-passwords.csv"

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ "$(id -u)" = 0 ] || { echo "deploy/add-users.sh: run it as root (sudo)" >&2; exit 1; }
[ -x "$PREFIX/venv/bin/jupyter" ] || { echo "no $PREFIX/venv: run deploy/install.sh first" >&2; exit 1; }
[ $# -ge 2 ] || usage

account() {   # account NAME GROUPS: make or extend the Unix account NAME
  local name=$1 groups=$2
  if ! [[ $name =~ ^[a-z_][a-z0-9_-]{0,30}$ ]]; then
    echo "skipping '$name': not a valid user name (lower-case letters, digits, _ and -)" >&2
    return 1
  fi
  if id "$name" >/dev/null 2>&1; then
    usermod -a -G "$groups" "$name"
  else
    useradd --create-home --shell /bin/bash --groups "$groups" "$name"
    local password
    password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 14)
    echo "$name:$password" | chpasswd
    (umask 077; echo "$name,$password" >> "$PASSWORDS")
  fi
  chmod 700 "$(getent passwd "$name" | cut -d: -f6)"
}

instructor() {
  local name=$1 home course
  account "$name" adlab,adlab-instructors || return 0
  home=$(getent passwd "$name" | cut -d: -f6)
  course="$home/adlab"
  if [ ! -d "$course" ]; then
    git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 \
      || { echo "$REPO is not a git checkout: clone the repository and run this from it" >&2; exit 1; }
    mkdir -p "$course"
    # the checkout's files as they are (tracked and new, not ignored ones), times kept,
    # so that make sees the shared environment as newer than pyproject.toml
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
       | xargs -0 cp -p --parents -t "$course")
    ln -s "$PREFIX/venv" "$course/.venv"
    chown -R "$name:" "$course"
    chown -h "$name:" "$course/.venv"
  fi
  mkdir -p "$home/.jupyter"
  cat > "$home/.jupyter/nbgrader_config.py" <<CONFIG
# This instructor's course for Formgrader and nbgrader's commands (deploy/add-users.sh).
c = get_config()  # noqa: F821
c.CourseDirectory.root = "$course/exercises"
CONFIG
  # Formgrader and the assignment-creation toolbar, off for the class (install.sh), on here
  cat > "$home/.jupyter/jupyter_server_config.json" <<JSON
{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": true,
                                       "nbgrader.server_extensions.course_list": true}}}
JSON
  mkdir -p "$home/.jupyter/labconfig"
  cat > "$home/.jupyter/labconfig/page_config.json" <<JSON
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": false,
                        "@jupyter/nbgrader:create-assignment": false,
                        "@jupyter/nbgrader:course-list": false}}
JSON
  chown -R "$name:" "$home/.jupyter"
  echo "instructor $name: course in $course/exercises"
}

case $1 in
  --instructor)
    shift
    for name in "$@"; do instructor "$name"; done ;;
  --students)
    n=0
    while read -r name _; do
      name=${name%%#*}
      [ -n "$name" ] || continue
      account "$name" adlab && n=$((n + 1))
    done < "$2"
    echo "$n students in the group adlab" ;;
  *) usage ;;
esac
[ -f "$PASSWORDS" ] && echo "new accounts' passwords: $PASSWORDS"
exit 0
