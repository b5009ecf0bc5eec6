"""JupyterHub's configuration for the classroom (started by ``python -m classroom start``).

The launcher (classroom/hub.py) passes the state folder, the ports and the users' virtual
environment in the environment: CLASSROOM_STATE, CLASSROOM_PORT (the public one),
CLASSROOM_HUB_PORT, CLASSROOM_PROXY_API_PORT, CLASSROOM_VENV.
Everything listens on 127.0.0.1.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: the classroom package

from classroom import ACCOUNTS, INSTRUCTOR, HERE  # noqa: E402
from classroom.layout import Layout  # noqa: E402

c = get_config()  # noqa: F821 - provided by JupyterHub

layout = Layout(Path(os.environ["CLASSROOM_STATE"]))

# Network: the proxy on loopback, the hub's API and the proxy's API on ports of their own.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["CLASSROOM_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ["CLASSROOM_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['CLASSROOM_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(layout.proxy_pid_file)

# State: SQLite, the cookie secret, all in the hub's own folder.
c.JupyterHub.db_url = f"sqlite:///{layout.database}"
c.JupyterHub.cookie_secret_file = str(layout.cookie_secret)
# Stopping the hub stops the proxy and every user's server.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Who: the demo accounts, one shared password (kept in the hub's folder, printed at start).
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = layout.password()
c.Authenticator.allowed_users = set(ACCOUNTS)

# Each user's server: JupyterLab as the user, in the classroom's home for them.
c.JupyterHub.spawner_class = "classroom.spawner.ClassroomSpawner"
c.ClassroomSpawner.state_dir = str(layout.root)
c.ClassroomSpawner.instructors = {INSTRUCTOR}
c.ClassroomSpawner.venv = os.environ["CLASSROOM_VENV"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 180  # a loaded two-core machine starts JupyterLab slowly
c.Spawner.http_timeout = 180
