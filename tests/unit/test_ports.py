"""tests.support.ports: a port is handed out once per session, never one something holds."""

from __future__ import annotations

import socket

from tests.support import ports


def test_free_port_never_hands_the_same_port_twice_even_when_it_was_closed():
    # bind-0-and-close would hand these out again; the allocator must not.
    given = [ports.free_port() for _ in range(50)]
    assert len(set(given)) == 50
    assert all(ports.LOW <= p <= ports.HIGH for p in given)
    for p in given:  # all were free when handed out: each binds now
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))


def test_free_port_skips_a_port_another_socket_holds():
    with socket.socket() as held:
        # The next port the allocator would try, taken by someone else.
        candidate = ports._next
        held.bind(("127.0.0.1", candidate))
        held.listen()
        port = ports.free_port()
    assert port != candidate


def test_free_port_never_hands_out_a_port_of_a_block():
    start = ports.free_block(20, low=ports.LOW + 200, high=ports.HIGH, step=20)
    block = set(range(start, start + 20))
    ports._next = start - 5  # single ports would run into the block next
    given = {ports.free_port() for _ in range(30)}
    assert not given & block
