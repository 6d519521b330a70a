"""A minimal client for the Podman REST API (libpod endpoints) over a unix socket.

Uses only the standard library, so both the driver and the Kubeflow SDK's
virtualenv can import it. Every call that removes something accepts only
names that start with ``bench-``, so the benchmark cannot delete what it
did not create.
"""

import http.client
import json
import socket
import time
import urllib.parse

API_PREFIX = "/v4.0.0/libpod"
NAME_PREFIX = "bench-"
JOB_LABEL = "trainer.kubeflow.org/trainjob-name"


class PodmanError(RuntimeError):
    """A request to the Podman API failed or returned an error status."""


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def socket_path(url):
    """Return the file path of a ``unix://`` socket URL."""
    if not url.startswith("unix://"):
        raise ValueError(f"unsupported engine URL '{url}': expected unix:///path/to/podman.sock")
    return url[len("unix://") :]


class Podman:
    """Podman's libpod API on one unix socket."""

    def __init__(self, url, timeout=60.0):
        self.url = url
        self._path = socket_path(url)
        self._timeout = timeout

    def _request(self, method, path, query=None, ok=(200, 201, 204)):
        target = API_PREFIX + path
        if query:
            target += "?" + urllib.parse.urlencode(query)
        connection = _UnixConnection(self._path, self._timeout)
        try:
            connection.request(method, target)
            response = connection.getresponse()
            body = response.read()
        except OSError as error:
            raise PodmanError(f"{method} {target} on {self.url} failed: {error}") from error
        finally:
            connection.close()
        if response.status not in ok:
            raise PodmanError(f"{method} {target} returned {response.status}: {body.decode(errors='replace').strip()}")
        return json.loads(body) if body else None

    def version(self):
        return self._request("GET", "/version")

    def time_request(self, path, repetitions):
        """Time ``GET path`` (an absolute API path) and return the median in milliseconds."""
        durations = []
        for _ in range(repetitions):
            connection = _UnixConnection(self._path, self._timeout)
            started = time.monotonic()
            try:
                connection.request("GET", path)
                connection.getresponse().read()
            except OSError as error:
                raise PodmanError(f"GET {path} on {self.url} failed: {error}") from error
            finally:
                connection.close()
            durations.append((time.monotonic() - started) * 1000)
        return sorted(durations)[len(durations) // 2]

    def containers(self, label):
        """Return every container (running or not) that carries ``label``."""
        filters = json.dumps({"label": [label]})
        return self._request("GET", "/containers/json", {"all": "true", "filters": filters}) or []

    def job_containers(self, job):
        return self.containers(f"{JOB_LABEL}={job}")

    def count_running_nodes(self, job):
        """Count the containers named ``JOB-node-R`` of a job that are running."""
        running = 0
        for container in self.job_containers(job):
            names = container.get("Names") or []
            is_node = any(name.startswith(f"{job}-node-") for name in names)
            if is_node and container.get("State") == "running":
                running += 1
        return running

    def wait_all_running(self, job, nodes, limit_seconds, interval=0.01):
        """Poll until ``nodes`` node containers of ``job`` run.

        Returns the ``time.monotonic()`` reading of the first poll that saw
        them all, and raises PodmanError after ``limit_seconds``.
        """
        deadline = time.monotonic() + limit_seconds
        while True:
            seen = self.count_running_nodes(job)
            now = time.monotonic()
            if seen >= nodes:
                return now
            if now > deadline:
                raise PodmanError(f"job {job}: {seen} of {nodes} node containers running after {limit_seconds} s")
            time.sleep(interval)

    def remove_container(self, name):
        _check_owned(name)
        self._request("DELETE", f"/containers/{urllib.parse.quote(name)}", {"force": "true", "timeout": "0"}, ok=(200, 204, 404))

    def remove_network(self, name):
        _check_owned(name)
        self._request("DELETE", f"/networks/{urllib.parse.quote(name)}", {"force": "true"}, ok=(200, 204, 404))

    def image_exists(self, name):
        try:
            self._request("GET", f"/images/{urllib.parse.quote(name, safe='')}/exists", ok=(204,))
        except PodmanError:
            return False
        return True

    def networks(self):
        return self._request("GET", "/networks/json") or []

    def network_exists(self, name):
        try:
            self._request("GET", f"/networks/{urllib.parse.quote(name)}/json")
        except PodmanError:
            return False
        return True

    def remove_job(self, job):
        """Force-remove a job's containers (found by label) and its network ``JOB-net``."""
        _check_owned(job)
        for container in self.job_containers(job):
            for name in container.get("Names") or []:
                self.remove_container(name)
        self.remove_network(f"{job}-net")


def _check_owned(name):
    if not name.startswith(NAME_PREFIX):
        raise ValueError(f"cannot remove '{name}': the benchmark removes only names starting with '{NAME_PREFIX}'")
