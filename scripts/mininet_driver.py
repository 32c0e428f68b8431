#!/usr/bin/python3
"""Drives one Mininet network for ofguard's tests and demo, as JSON lines over stdin/stdout.

Started by the Node harness (test/integration/harness.ts) with /usr/bin/python3 (the python3
first on PATH elsewhere cannot import mininet). Every switch is Open vSwitch on the userspace
datapath speaking OpenFlow 1.3 to a remote controller on loopback. Hosts get no route out:
traffic stays inside the namespaces this process made.

Requests (one JSON object a line):     replies (one JSON object a line, same "id"):
  {"op":"start","topo":"single,4","port":6653}       {"ok":true,"hosts":[...],"switches":[...]}
  {"op":"pingall","timeout":2}                       {"ok":true,"loss":0.0,"sent":..,"received":..}
  {"op":"cmd","host":"h1","cmd":"...","timeout":10}  {"ok":true,"out":"...","rc":0}
  {"op":"spawn","host":"h1","cmd":"..."}             {"ok":true,"pid":1234,"handle":1}
  {"op":"wait","handle":1,"timeout":10}              {"ok":true,"out":"...","rc":0}
  {"op":"kill","handle":1}                           {"ok":true}
  {"op":"stop"}                                      {"ok":true}
Stdin closing also stops the network, so a crashed test never leaves switches behind.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'topologies'))

from mininet.log import setLogLevel  # noqa: E402
from mininet.net import Mininet  # noqa: E402
from mininet.node import OVSSwitch, RemoteController  # noqa: E402
from mininet.topo import LinearTopo, SingleSwitchTopo  # noqa: E402
from mininet.topolib import TreeTopo  # noqa: E402
from mininet.util import buildTopo  # noqa: E402

import ofguard_topos  # noqa: E402

TOPOS = {'single': SingleSwitchTopo, 'linear': LinearTopo, 'tree': TreeTopo}
TOPOS.update(ofguard_topos.topos)

net = None
spawned = {}
next_handle = [1]
out_lock = threading.Lock()

# Replies get a private copy of stdout; everything else that writes to fd 1 (Mininet's own
# log lines, children that inherit it) goes to stderr, so nothing can interleave with a
# JSON line and leave the caller waiting for a reply it could not parse.
replies = os.fdopen(os.dup(1), 'w')
os.dup2(2, 1)
sys.stdout = sys.stderr


def reply(obj):
    with out_lock:
        replies.write(json.dumps(obj) + '\n')
        replies.flush()


def host(name):
    node = net.get(name)
    if node is None:
        raise ValueError('no host named %s' % name)
    return node


def op_start(req):
    global net
    if net is not None:
        raise ValueError('network already started')
    topo = buildTopo(TOPOS, req['topo'])
    switch = partial(OVSSwitch, datapath='user', protocols='OpenFlow13',
                     failMode=req.get('failMode', 'secure'))
    controller = partial(RemoteController, ip=req.get('ip', '127.0.0.1'), port=int(req.get('port', 6653)))
    net = Mininet(topo=topo, switch=switch, controller=controller, autoSetMacs=bool(req.get('autoSetMacs', True)),
                  waitConnected=False, build=True)
    net.start()
    for h in net.hosts:
        # The userspace datapath stalls TCP/UDP between hosts until TX checksum offload is off
        # (ping works either way, which hides the problem).
        for intf in h.intfList():
            h.cmd('ethtool -K %s tx off >/dev/null 2>&1' % intf.name)
        # No way out of the test network: drop any default route a host could have.
        h.cmd('ip route del default >/dev/null 2>&1')
    if req.get('waitConnected', True):
        deadline = time.time() + float(req.get('connectTimeout', 20))
        while time.time() < deadline and not all(s.connected() for s in net.switches):
            time.sleep(0.1)
    return {
        'hosts': [{'name': h.name, 'ip': h.IP(), 'mac': h.MAC()} for h in net.hosts],
        'switches': [{'name': s.name, 'dpid': s.dpid, 'connected': s.connected(),
                      'ports': {intf.name: s.ports[intf] for intf in s.intfList() if intf.name != 'lo'}}
                     for s in net.switches],
        'links': [[l.intf1.node.name, l.intf1.name, l.intf2.node.name, l.intf2.name] for l in net.links],
    }


def op_pingall(req):
    timeout = str(req.get('timeout', 2))
    sent = received = 0
    for src in net.hosts:
        for dst in net.hosts:
            if src is dst:
                continue
            sent += 1
            out = src.cmd('ping -c1 -W %s %s' % (timeout, dst.IP()))
            if ' 0% packet loss' in out:
                received += 1
    return {'sent': sent, 'received': received, 'loss': (sent - received) / sent if sent else 0.0}


def op_cmd(req):
    timeout = float(req.get('timeout', 10))
    node = host(req['host'])
    # Bounded in time: nothing a test runs in a host may outlive its timeout.
    proc = node.popen(['timeout', '-s', 'KILL', str(timeout), 'sh', '-c', req['cmd']],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = proc.communicate()
    return {'out': out.decode('utf-8', 'replace'), 'rc': proc.returncode}


def op_spawn(req):
    node = host(req['host'])
    timeout = float(req.get('timeout', 60))
    proc = node.popen(['timeout', '-s', 'KILL', str(timeout), 'sh', '-c', req['cmd']],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    handle = next_handle[0]
    next_handle[0] += 1
    spawned[handle] = proc
    return {'pid': proc.pid, 'handle': handle}


def op_wait(req):
    proc = spawned.pop(int(req['handle']))
    try:
        out, _ = proc.communicate(timeout=float(req.get('timeout', 30)))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    return {'out': out.decode('utf-8', 'replace'), 'rc': proc.returncode}


def op_kill(req):
    proc = spawned.pop(int(req['handle']), None)
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    return {}


def stop():
    global net
    for proc in spawned.values():
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
    spawned.clear()
    if net is not None:
        net.stop()
        net = None


def op_stop(req):
    stop()
    return {}


OPS = {'start': op_start, 'pingall': op_pingall, 'cmd': op_cmd, 'spawn': op_spawn,
       'wait': op_wait, 'kill': op_kill, 'stop': op_stop}


def main():
    setLogLevel(os.environ.get('MININET_LOG', 'warning'))
    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            req = json.loads(line)
            try:
                result = OPS[req['op']](req)
                result.update({'id': req.get('id'), 'ok': True})
                reply(result)
            except Exception as err:  # reported to the caller, who decides
                reply({'id': req.get('id'), 'ok': False, 'error': '%s: %s' % (type(err).__name__, err)})
            if req['op'] == 'stop':
                break
    finally:
        stop()


if __name__ == '__main__':
    main()
