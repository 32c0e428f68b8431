"""Reference monitor for the no-defence baseline of bench:e2e, beside osken_simple_switch_13.py.

Debian's python3-os-ken ships the framework without its example apps; this follows the classic
simple_monitor_13 behaviour, written for ofguard: keep the connected datapaths, ask each one for
flow and port statistics every 10 seconds, and log what came back. It watches, it never acts:
that is what makes it the baseline a defence is compared with.
"""
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import DEAD_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib import hub
from os_ken.ofproto import ofproto_v1_3

POLL_SECONDS = 10


class SimpleMonitor13(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.datapaths = {}
        self.poller = hub.spawn(self._poll_forever)

    @set_ev_cls(ofp_event.EventOFPStateChange, [MAIN_DISPATCHER, DEAD_DISPATCHER])
    def _state_change(self, ev):
        dp = ev.datapath
        if ev.state == MAIN_DISPATCHER:
            self.datapaths[dp.id] = dp
        elif ev.state == DEAD_DISPATCHER:
            self.datapaths.pop(dp.id, None)

    def _poll_forever(self):
        while True:
            for dp in list(self.datapaths.values()):
                parser, ofp = dp.ofproto_parser, dp.ofproto
                dp.send_msg(parser.OFPFlowStatsRequest(dp))
                dp.send_msg(parser.OFPPortStatsRequest(dp, 0, ofp.OFPP_ANY))
            hub.sleep(POLL_SECONDS)

    @set_ev_cls(ofp_event.EventOFPFlowStatsReply, MAIN_DISPATCHER)
    def _flow_stats(self, ev):
        for stat in ev.msg.body:
            if stat.priority == 0:
                continue
            self.logger.info('dpid %016x table %d packets %d bytes %d match %s',
                             ev.msg.datapath.id, stat.table_id, stat.packet_count, stat.byte_count, stat.match)

    @set_ev_cls(ofp_event.EventOFPPortStatsReply, MAIN_DISPATCHER)
    def _port_stats(self, ev):
        for stat in ev.msg.body:
            self.logger.info('dpid %016x port %x rx %d tx %d rx-err %d tx-err %d',
                             ev.msg.datapath.id, stat.port_no, stat.rx_packets, stat.tx_packets,
                             stat.rx_errors, stat.tx_errors)
