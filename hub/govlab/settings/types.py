"""Pydantic types for values that several sections share, each validated in one place.

The messages are part of the contract (tests and operators read them): a type that
several keys use says the same thing for each of them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

# Hub user names: what JupyterHub, the spawners and the accounts pages accept.
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MEMORY_RE = re.compile(r"^\d+(\.\d+)?[KMGT]?$")
DOCKER_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$")
K8S_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
K8S_QUANTITY_RE = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
# Fewest ports local.lab_ports may hold: one per running lab, with room for restarts
# (a port handed out stays reserved for a while; govlab.spawnhooks).
MIN_LAB_PORTS = 100
_PORT_RANGE_RE = re.compile(r"^\s{0,5}(\d{1,5})\s{0,5}-\s{0,5}(\d{1,5})\s{0,5}$")
_HTTP_URL_RE = re.compile(r"^https?://[^/\s]+(/.*)?$")
_SERVICE_URL_RE = re.compile(r"^http://([^/:\s]+):(\d{2,5})/?$")

Duration = Annotated[int, Field(ge=0)]


def _user_names(v: list[str]) -> list[str]:
    bad = [u for u in v if not USERNAME_RE.match(u)]
    if bad:
        raise ValueError(f"{bad} are not valid user names: use lowercase letters, digits, '-', '_' and '.'")
    return v


def _http_url(v: str) -> str:
    if v and not _HTTP_URL_RE.match(v):
        raise ValueError("must be an http(s) URL such as http://127.0.0.1:8000")
    return v.rstrip("/")


def _service_url(example_port: int):
    def check(v: str) -> str:
        # The hub's proxy connects to this address and the service listens on it:
        # a wildcard address is no place to connect to.
        m = _SERVICE_URL_RE.match(v)
        if not m or m.group(1) in ("0.0.0.0", "::"):
            raise ValueError(
                f"must be http://HOST:PORT that the hub's proxy can reach, e.g. http://127.0.0.1:{example_port} "
                f"(one machine) or http://hub:{example_port} (the hub's container)"
            )
        return v.rstrip("/")

    return AfterValidator(check)


def port_range(v: Any) -> tuple[int, int]:
    """ "LOW-HIGH" or [LOW, HIGH] -> (low, high), within 1024-65535, MIN_LAB_PORTS or more."""
    example = '"20000-32767" or [20000, 32767]'
    if isinstance(v, str) and len(v) <= 40 and (m := _PORT_RANGE_RE.match(v)):
        low, high = int(m.group(1)), int(m.group(2))
    elif isinstance(v, (list, tuple)) and len(v) == 2 and all(type(p) is int for p in v):
        low, high = v
    else:
        raise ValueError(f"must be a port range such as {example}")
    if not 1024 <= low <= high <= 65535:
        raise ValueError(f"must be LOW-HIGH with 1024 <= LOW <= HIGH <= 65535, such as {example}")
    if high - low + 1 < MIN_LAB_PORTS:
        raise ValueError(
            f"holds {high - low + 1} ports: give at least {MIN_LAB_PORTS} (one per running lab, "
            f'with room to spare), e.g. "20000-32767"'
        )
    return (low, high)


# A list of hub user names (admins, allowed users, curators, trainers, members).
UserNames = Annotated[list[str], AfterValidator(_user_names)]
# An http(s) address of the hub itself (empty allowed; a trailing slash dropped).
HttpUrl = Annotated[str, AfterValidator(_http_url)]
# Where a hub service listens and the hub's proxy connects: http://HOST:PORT.
GalleryServiceUrl = Annotated[str, _service_url(8093)]
ShareServiceUrl = Annotated[str, _service_url(8094)]
# A loopback port range, written "LOW-HIGH" or [LOW, HIGH].
PortRange = Annotated[tuple[int, int], BeforeValidator(port_range)]


def memory_bytes(size: str) -> int:
    """'2G' -> bytes, with JupyterHub's binary units (K, M, G, T = 1024**n)."""
    units = {"K": 1, "M": 2, "G": 3, "T": 4}
    if size[-1] in units:
        return int(float(size[:-1]) * 1024 ** units[size[-1]])
    return int(float(size))


def split_image(image: str) -> tuple[str, str]:
    """'registry:5000/govlab/lab:1.0' -> ('registry:5000/govlab/lab', '1.0'); no tag: ''."""
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image, ""
    return name, tag


def seat_names(prefix: str, count: int) -> list[str]:
    width = max(2, len(str(count)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, count + 1)]
