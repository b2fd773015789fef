"""The container spawners: dockerspawner's, plus what govlab's deployments need.

Everything configurable stays a dockerspawner trait (set by govlab.hubconfig); these
classes only add behaviour that no trait gives:
- on Docker's "host" network a lab listens on 127.0.0.1 at the port the hub assigned,
  so the hub must route there rather than ask Docker for a published port;
- swarm services mount named volumes (dockerspawner's SwarmSpawner mounts every
  volume as a bind of a host path, which a named per-user volume is not).
"""

from __future__ import annotations

from docker.types import Mount
from dockerspawner import DockerSpawner, SwarmSpawner

LOOPBACK = "127.0.0.1"


class _HostNetworkRouting:
    network_name: str
    port: int

    async def get_ip_and_port(self):
        if self.network_name == "host":
            return LOOPBACK, self.port
        return await super().get_ip_and_port()


class GovlabDockerSpawner(_HostNetworkRouting, DockerSpawner):
    """One container per official (mode `docker`)."""


class GovlabSwarmSpawner(_HostNetworkRouting, SwarmSpawner):
    """One swarm service per official (mode `swarm`)."""

    @property
    def mounts(self):
        mounts = []
        for source, vol in self.volume_binds.items():
            read_only = vol["mode"] == "ro"
            if source.startswith("/"):  # a folder of the node
                mounts.append(Mount(target=vol["bind"], source=source, type="bind", read_only=read_only))
            else:  # a named volume
                mounts.append(
                    Mount(
                        target=vol["bind"],
                        source=source,
                        type="volume",
                        read_only=read_only,
                        driver_config=self.mount_driver_config,
                    )
                )
        return mounts
