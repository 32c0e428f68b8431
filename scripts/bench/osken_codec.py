#!/usr/bin/python3
"""The same codec work as scripts/bench/codec.ts, done by Debian's python3-os-ken, for comparison.

usage: /usr/bin/python3 scripts/bench/osken_codec.py FLOW_STATS_REPLY_FILE SECONDS
Prints one JSON line: {"decodeEntriesPerSec": ..., "encodeFlowModsPerSec": ...}.
"""
import json
import sys
import time

from os_ken.ofproto import ofproto_parser, ofproto_v1_3, ofproto_v1_3_parser


class FakeDatapath:
    """The parser only needs these two attributes of a datapath."""
    ofproto = ofproto_v1_3
    ofproto_parser = ofproto_v1_3_parser
    id = 1


def decode_rate(buf, seconds):
    dp = FakeDatapath()
    version, msg_type, msg_len, xid = ofproto_parser.header(buf)
    entries = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            msg = ofproto_parser.msg(dp, version, msg_type, msg_len, xid, buf)
            entries += len(msg.body)
    return entries / (time.perf_counter() - start)


def encode_rate(seconds):
    dp = FakeDatapath()
    p = ofproto_v1_3_parser
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    i = 0
    while time.perf_counter() < deadline:
        for _ in range(100):
            i += 1
            match = p.OFPMatch(in_port=1, eth_type=0x0800, ipv4_src='10.0.%d.%d' % ((i >> 8) & 255, i & 255),
                               ip_proto=6, tcp_dst=22)
            inst = [p.OFPInstructionMeter(i & 0xffff), p.OFPInstructionGotoTable(1)]
            fm = p.OFPFlowMod(dp, cookie=0x0f00000000000000 | i, table_id=0, command=0, hard_timeout=300,
                              priority=30000, buffer_id=0xffffffff, out_port=0xffffffff, out_group=0xffffffff,
                              flags=1, match=match, instructions=inst)
            fm.serialize()
            count += 1
    return count / (time.perf_counter() - start)


def main():
    with open(sys.argv[1], 'rb') as f:
        buf = f.read()
    seconds = float(sys.argv[2])
    print(json.dumps({'decodeEntriesPerSec': decode_rate(buf, seconds), 'encodeFlowModsPerSec': encode_rate(seconds)}))


if __name__ == '__main__':
    main()
