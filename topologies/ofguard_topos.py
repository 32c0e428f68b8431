"""Mininet topologies for ofguard, usable with `mn --custom topologies/ofguard_topos.py --topo NAME`.

  office   one switch; servers, clients and attackers on it (the small office).
  campus   a two-level tree: a core switch with the servers, and edge switches with clients
           and attackers (servers behind a core switch).
  uplink   one OpenFlow switch with the servers and a client, and behind one of its ports a
           plain learning switch (no controller) with more clients and an attacker: their
           traffic all enters through that one port, as through an uplink or a trunk.

Host naming says the role so scenarios read clearly: srvN (servers), cliN (legitimate
clients), attN (attackers). Addresses are 10.0.0.N/8 in order of creation; MACs are set
from the address so flows and logs are stable between runs.
"""
from mininet.node import OVSSwitch
from mininet.topo import Topo


class StandaloneSwitch(OVSSwitch):
    """A plain learning switch (Open vSwitch in standalone mode, userspace datapath) that no
    controller drives: what sits behind an uplink port, out of the controller's sight."""

    def __init__(self, name, **params):
        params.update(datapath='user', failMode='standalone')
        OVSSwitch.__init__(self, name, **params)

    def start(self, controllers):
        OVSSwitch.start(self, [])


class OfficeTopo(Topo):
    """One switch with `servers` servers, `clients` clients and `attackers` attackers."""

    def build(self, servers=2, clients=3, attackers=8):
        switch = self.addSwitch('s1')
        n = 0
        for role, count in (('srv', servers), ('cli', clients), ('att', attackers)):
            for i in range(1, int(count) + 1):
                n += 1
                host = self.addHost('%s%d' % (role, i), ip='10.0.0.%d/8' % n, mac='00:00:00:00:00:%02x' % n)
                self.addLink(host, switch)


class CampusTopo(Topo):
    """Core switch s1 with the servers; `edges` edge switches, each with clients and attackers."""

    def build(self, servers=2, edges=2, clients=2, attackers=4):
        core = self.addSwitch('s1')
        n = 0
        for i in range(1, int(servers) + 1):
            n += 1
            host = self.addHost('srv%d' % i, ip='10.0.0.%d/8' % n, mac='00:00:00:00:00:%02x' % n)
            self.addLink(host, core)
        cli = att = 0
        for e in range(1, int(edges) + 1):
            edge = self.addSwitch('s%d' % (e + 1))
            self.addLink(edge, core)
            for _ in range(int(clients)):
                n += 1
                cli += 1
                host = self.addHost('cli%d' % cli, ip='10.0.0.%d/8' % n, mac='00:00:00:00:00:%02x' % n)
                self.addLink(host, edge)
            for _ in range(int(attackers)):
                n += 1
                att += 1
                host = self.addHost('att%d' % att, ip='10.0.0.%d/8' % n, mac='00:00:00:00:00:%02x' % n)
                self.addLink(host, edge)


class UplinkTopo(Topo):
    """s1 (OpenFlow) with the servers and `local` clients; behind s1's last port a standalone
    switch s2 with `remote` clients and `attackers` attackers."""

    def build(self, servers=1, local=1, remote=2, attackers=1):
        core = self.addSwitch('s1')
        behind = self.addSwitch('s2', cls=StandaloneSwitch, dpid='00000000000000a2')
        n = 0
        for role, count, switch in (('srv', servers, core), ('cli', local, core)):
            for i in range(1, int(count) + 1):
                n += 1
                self.addLink(self.addHost('%s%d' % (role, i), ip='10.0.0.%d/8' % n, mac='00:00:00:00:00:%02x' % n), switch)
        self.addLink(behind, core)
        for role, count, first in (('cli', remote, int(local) + 1), ('att', attackers, 1)):
            for i in range(first, first + int(count)):
                n += 1
                self.addLink(self.addHost('%s%d' % (role, i), ip='10.0.0.%d/8' % n, mac='00:00:00:00:00:%02x' % n), behind)


topos = {'office': OfficeTopo, 'campus': CampusTopo, 'uplink': UplinkTopo}
