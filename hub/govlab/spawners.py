"""govlab's spawners: the local ones (a system user per official, or the hub's user)
and dockerspawner's. Each hands the lab to the hub as soon as it answers (ReadyProbe).

GovlabLocalSpawner (mode local, hub as root) runs each official's lab as their own
system user (govlab.localusers), never as root.


Everything configurable stays a dockerspawner trait (set by govlab.hubconfig); these
classes only add behaviour that no trait gives:
- on Docker's "host" network a lab listens on 127.0.0.1 at the port the hub assigned,
  so the hub must route there rather than ask Docker for a published port;
- swarm services mount named volumes (dockerspawner's SwarmSpawner mounts every
  volume as a bind of a host path, which a named per-user volume is not).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from docker.types import Mount
from dockerspawner import DockerSpawner, SwarmSpawner
from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from traitlets import Unicode

from . import localusers
from .readyprobe import ReadyProbe

LOOPBACK = "127.0.0.1"


class _HostNetworkRouting:
    network_name: str
    port: int

    async def get_ip_and_port(self):
        if self.network_name == "host":
            return LOOPBACK, self.port
        return await super().get_ip_and_port()


class GovlabDockerSpawner(ReadyProbe, _HostNetworkRouting, DockerSpawner):
    """One container per official (mode `docker`)."""


class GovlabSwarmSpawner(ReadyProbe, _HostNetworkRouting, SwarmSpawner):
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


class GovlabLocalSpawner(ReadyProbe, LocalProcessSpawner):
    """One process per official, run as the official's own system user (hub as root).

    The user and its 0700 home are made on the first spawn, before the pre-spawn hooks
    (the workshop hand-out copies into that home). The process drops to that user before
    exec and refuses to run if it is still uid 0.
    """

    homes = Unicode("", config=True, help="Directory holding each official's home (0711).")
    lab_group = Unicode(localusers.LAB_GROUP, config=True, help="Group every lab user is in.")
    shell = Unicode("/bin/bash", config=True, help="$SHELL of the lab (its terminals).")

    _lab_user: localusers.LabUser | None = None

    @property
    def home_dir(self) -> str:
        return str(Path(self.homes) / localusers.system_name(self.user.name))

    def _ensure_user(self) -> localusers.LabUser:
        self._lab_user = localusers.ensure_user(self.user.name, Path(self.homes), self.lab_group)
        return self._lab_user

    async def run_pre_spawn_hook(self):
        user = await asyncio.to_thread(self._ensure_user)
        self.log.info("govlab: %s runs as system user %s (uid %d)", self.user.name, user.name, user.uid)
        result = super().run_pre_spawn_hook()
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        return result

    async def start(self):
        if self._lab_user is None:  # a hub without pre-spawn hook still gets its user
            await asyncio.to_thread(self._ensure_user)
        return await super().start()

    def make_preexec_fn(self, name):
        user = self._lab_user
        if user is None or user.uid == 0 or user.gid == 0:
            raise localusers.LocalUserError(f"no unprivileged system user for {name}: a lab never runs as root")
        gids = os.getgrouplist(user.name, user.gid)
        home = str(user.home)

        def preexec():
            os.setgroups(gids)
            os.setgid(user.gid)
            os.setuid(user.uid)
            # A lab that kept root (a failed setuid) must not start at all.
            if 0 in (os.getuid(), os.geteuid(), os.getgid(), os.getegid()):
                raise SystemExit("govlab: refusing to run a lab as root")
            os.chdir(home)

        return preexec

    def user_env(self, env):
        user = self._lab_user
        env["USER"] = env["LOGNAME"] = user.name if user else localusers.system_name(self.user.name)
        env["HOME"] = self.home_dir
        env["SHELL"] = self.shell
        return env

    async def move_certs(self, paths):
        # internal_ssl is not used by govlab; the parent's version reads pw_dir.
        return paths


class GovlabSimpleSpawner(ReadyProbe, SimpleLocalProcessSpawner):
    """Mode local without root (local.trusted_group): every lab as the hub's user."""
