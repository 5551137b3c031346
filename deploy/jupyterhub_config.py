"""JupyterHub for an adlab class on one server (deploy/README.md).

deploy/install.sh copies this file to $PREFIX/jupyterhub_config.py. Everyone logs in
with their Unix account on the server (PAM); members of the group ``adlab`` may log in,
and members of ``adlab-instructors`` are the hub's admins. Each user's JupyterLab runs as
that user (JupyterHub's LocalProcessSpawner), from the shared environment in
$PREFIX/venv, and starts in the user's home, where the first login puts a copy of the
course's notebooks (``~/adlab-course``). Assignments, submissions and feedback pass
through nbgrader's exchange; its settings are in $PREFIX/venv/etc/jupyter.

Settings come from the environment (the systemd unit reads $PREFIX/adlab-hub.env):
ADLAB_HUB_PREFIX, ADLAB_HUB_STATE (the hub's database and cookie secret),
ADLAB_HUB_URL (where the hub listens; put a TLS proxy such as nginx or Caddy in front
of it), ADLAB_HUB_API_URL and ADLAB_PROXY_API_URL (the hub's and the proxy's internal
ports, for a second hub on the same machine).
"""

import os
import pwd
import subprocess
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

PREFIX = Path(os.environ.get("ADLAB_HUB_PREFIX", "/opt/adlab-hub"))
STATE = Path(os.environ.get("ADLAB_HUB_STATE", "/var/lib/adlab-hub"))
VENV_BIN = PREFIX / "venv" / "bin"

# -- where the hub listens, and its state --------------------------------------------------
c.JupyterHub.bind_url = os.environ.get("ADLAB_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = os.environ.get("ADLAB_HUB_API_URL", "http://127.0.0.1:8081")
c.ConfigurableHTTPProxy.api_url = os.environ.get("ADLAB_PROXY_API_URL",
                                                 "http://127.0.0.1:8001")
c.ConfigurableHTTPProxy.command = [str(PREFIX / "node_modules" / ".bin" /
                                       "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

# -- who may log in ------------------------------------------------------------------------
# The server's Unix accounts (deploy/add-users.sh makes them from a class list).
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {"adlab"}
c.PAMAuthenticator.admin_groups = {"adlab-instructors"}
# PAM sessions need systemd-logind, which containers lack; logging in needs none
c.PAMAuthenticator.open_sessions = False

# -- each user's JupyterLab ------------------------------------------------------------------
# LocalProcessSpawner runs it as the user. On a server with systemd, SystemdSpawner
# (pip install jupyterhub-systemdspawner) adds per-user memory and CPU limits:
#   c.JupyterHub.spawner_class = "systemdspawner"; c.SystemdSpawner.mem_limit = "2G"
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# nbgrader runs alembic and the kernels by name: the shared environment comes first
c.Spawner.environment = {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin"}
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
# a server left idle is stopped by JupyterHub's culler (pip install jupyterhub-idle-culler):
#   c.JupyterHub.services = [{"name": "idle-culler", "command": [
#       str(VENV_BIN / "python"), "-m", "jupyterhub_idle_culler", "--timeout=3600"]}]
#   c.JupyterHub.load_roles = [{"name": "idle-culler", "services": ["idle-culler"],
#       "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]


def copy_course(spawner):
    """At a user's first login, copy the course's notebooks into ~/adlab-course.

    The copy is made as the user (runuser), not as root: root writing and chowning inside a
    folder the user controls could be turned, by a symbolic link put there in the meantime,
    against a file elsewhere.
    """
    user = pwd.getpwnam(spawner.user.name)
    dest = Path(user.pw_dir) / "adlab-course"
    source = PREFIX / "notebooks"
    if os.path.lexists(dest) or not source.is_dir():
        return
    subprocess.run(["runuser", "-u", user.pw_name, "--", "cp", "-r", str(source), str(dest)],
                   check=True, capture_output=True, timeout=60)


c.Spawner.pre_spawn_hook = copy_course
