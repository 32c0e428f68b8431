#!/usr/bin/env bash
# Starts Open vSwitch if it is not running (installing it does not start it here, and there
# is no kernel module: bridges use the userspace datapath).
set -euo pipefail
if ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
  exit 0
fi
echo "ovs-start: starting Open vSwitch"
/usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >/dev/null 2>&1 || true
ovs-vsctl --timeout=10 show >/dev/null
