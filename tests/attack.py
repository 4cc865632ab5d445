#!/usr/bin/python3
"""Frames a hostile guest sends, crafted with scapy, and what sees them.

tests/attack.bats runs this inside the test world's namespaces:

  attack.py list                       every frame kind: NAME VERDICT WHAT
  attack.py reasons                    every kind a guarded guest's guard drops: NAME
                                       REASON COUNT (the counter it raises, by how much)
  attack.py send CTX NAME...           send those kinds from eth0 (CTX: below)
  attack.py count CTX NETNS VIF NAME...  send each kind from eth0, then read the guard's
                                       counters in NETNS (dom0): "NAME REASON:DELTA..."
                                       for VIF's counters that moved, "others:N" for the
                                       other vifs' ("-": none moved)
  attack.py capture FILE               record tokens seen on eth0 until killed
  attack.py seen FILE CTX NAME...      print "NAME seen|unseen": sent by CTX's sender
  attack.py dhcp4-server CTX SPORT F   a rogue DHCPv4 server answering from SPORT (F: ready)
  attack.py udp-listen FILE PORT...    record UDP datagrams received on [::]:PORT

CTX is key=value,... with me_mac me4 me6 (the sender's own MAC and
addresses), v_mac v4 v6 (a victim guest), o_mac o4 o6 (the observer the
frames are sent to), base (the first token of this sender, 0-3584).
Link-local addresses (me_ll v_ll o_ll) are the EUI-64 ones of the MACs
unless given.

Every frame carries a token, base + the kind's index: in the IPv4
identification or the IPv6 flow label (0xa000 | token), or after "HPTK"
in the payload of frames that have neither (ARP padding, other
ethertypes).  `capture` writes one
line per received frame that has one: source MAC, token, "first" or
"later" (fragment).  A kind counts as seen when a frame with its token and
the sender's MAC arrived; for fragmented kinds, when its first fragment
did (the later ones are let through on purpose: see FW-NOTES.md).

VERDICT is what the guard must do with a kind sent by a guarded guest:
"drop" or "pass".  Sent by an unguarded guest, every kind must arrive:
that is the control that shows the frame itself is deliverable.
"""
import os
import socket
import struct
import sys
import time

MARK = b"HPTK"


def lazy_scapy():
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    import scapy.all as s
    s.conf.verb = 0
    return s


def ll_of(mac):
    b = bytes(int(x, 16) for x in mac.split(":"))
    return socket.inet_ntop(socket.AF_INET6, b"\xfe\x80" + bytes(6) + bytes([b[0] ^ 2]) +
                            b[1:3] + b"\xff\xfe" + b[3:6])


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def solicited(addr):
    b = socket.inet_pton(socket.AF_INET6, addr)
    return socket.inet_ntop(socket.AF_INET6, b"\xff\x02" + bytes(9) + b"\x01\xff" + b[13:])


def parse_ctx(text):
    c = dict(kv.split("=", 1) for kv in text.split(","))
    for who in ("me", "v", "o"):
        c.setdefault(who + "_ll", ll_of(c[who + "_mac"]))
    return c


# ---------------------------------------------------------------- kinds
# Each builder gets (scapy, ctx, token) and returns a list of frames.
# The observer's MAC is the L2 destination of all of them, so that the
# bridge delivers them to it whatever the L3 destination says.

KINDS = []


def kind(name, verdict, what, part="first"):
    """part: which fragment decides whether the kind was seen."""
    def reg(fn):
        KINDS.append((name, verdict, what, fn, part))
        return fn
    return reg


def eth(s, c, ethertype=None):
    e = s.Ether(src=c["me_mac"], dst=c["o_mac"])
    if ethertype is not None:
        e.type = ethertype
    return e


def ip4(s, c, t, src=None, dst=None, **kw):
    return s.IP(src=src or c["me4"], dst=dst or c["o4"], id=0xa000 | t, **kw)


def ip6(s, c, t, src=None, dst=None, **kw):
    return s.IPv6(src=src or c["me6"], dst=dst or c["o6"], fl=0xa000 | t, **kw)


def nd6(s, c, t, src, dst=None):
    return ip6(s, c, t, src=src, dst=dst or "ff02::1", hlim=255)


def mark(t):
    return MARK + struct.pack(">H", t) + bytes(16)


def opt_lla(kind_, mac):
    return bytes([kind_, 1]) + mac_bytes(mac)


# ARP ---------------------------------------------------------------------

@kind("arp_own", "pass", "ARP reply from its own MAC and IPv4 address")
def _(s, c, t):
    return [eth(s, c) / s.ARP(op=2, hwsrc=c["me_mac"], psrc=c["me4"], hwdst=c["o_mac"],
                             pdst=c["o4"]) / s.Raw(mark(t))]


@kind("arp_probe", "pass", "ARP probe (RFC 5227) from 0.0.0.0 for its own address")
def _(s, c, t):
    return [eth(s, c) / s.ARP(op=1, hwsrc=c["me_mac"], psrc="0.0.0.0", pdst=c["me4"]) /
            s.Raw(mark(t))]


@kind("arp_probe_victim", "drop", "ARP probe (sender 0.0.0.0) for the victim's address")
def _(s, c, t):
    return [eth(s, c) / s.ARP(op=1, hwsrc=c["me_mac"], psrc="0.0.0.0", pdst=c["v4"]) /
            s.Raw(mark(t))]


@kind("arp_spoof_ip", "drop", "ARP reply claiming the victim's IPv4 address")
def _(s, c, t):
    return [eth(s, c) / s.ARP(op=2, hwsrc=c["me_mac"], psrc=c["v4"], hwdst=c["o_mac"],
                             pdst=c["o4"]) / s.Raw(mark(t))]


@kind("arp_spoof_mac", "drop", "ARP reply whose sender MAC is the victim's")
def _(s, c, t):
    return [eth(s, c) / s.ARP(op=2, hwsrc=c["v_mac"], psrc=c["me4"], hwdst=c["o_mac"],
                             pdst=c["o4"]) / s.Raw(mark(t))]


@kind("arp_reply_zero", "drop", "ARP reply from 0.0.0.0")
def _(s, c, t):
    return [eth(s, c) / s.ARP(op=2, hwsrc=c["me_mac"], psrc="0.0.0.0", pdst=c["o4"]) /
            s.Raw(mark(t))]


@kind("arp_hlen", "drop", "ARP with an 8-byte hardware address length")
def _(s, c, t):
    return [eth(s, c, 0x0806) / s.Raw(struct.pack(">HHBBH", 1, 0x0800, 8, 4, 2) +
                                      mac_bytes(c["me_mac"]) + b"\0\0" +
                                      socket.inet_aton(c["v4"]) + bytes(12) + mark(t))]


# Ethertypes and tags -------------------------------------------------------

@kind("ip4_own", "pass", "UDP from its own IPv4 address")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t) / s.UDP(sport=4000, dport=4000) / s.Raw(mark(t))]


@kind("mac_spoof", "drop", "its own IPv4 from the victim's MAC")
def _(s, c, t):
    return [s.Ether(src=c["v_mac"], dst=c["o_mac"]) / ip4(s, c, t) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("vlan_ip4", "drop", "its own IPv4 in an 802.1Q tag (VLAN 5)")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=5) / ip4(s, c, t) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("vlan0_ip4", "drop", "its own IPv4, priority-tagged (VLAN 0)")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=0, prio=5) / ip4(s, c, t) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("qinq_ip4", "drop", "its own IPv4 double-tagged (802.1ad 7, 802.1Q 5)")
def _(s, c, t):
    return [eth(s, c) / s.Dot1AD(vlan=7) / s.Dot1Q(vlan=5) / ip4(s, c, t) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("vlan_arp", "drop", "a victim-claiming ARP reply in an 802.1Q tag")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=5) / s.ARP(op=2, hwsrc=c["me_mac"], psrc=c["v4"],
                                               pdst=c["o4"]) / s.Raw(mark(t))]


@kind("vlan_ip6", "drop", "its own IPv6 in an 802.1Q tag")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=5) / ip6(s, c, t) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("ethertype_local", "drop", "local experimental ethertype 0x88b5")
def _(s, c, t):
    return [eth(s, c, 0x88b5) / s.Raw(mark(t))]


@kind("pppoe_disc", "drop", "PPPoE discovery (0x8863)")
def _(s, c, t):
    return [eth(s, c, 0x8863) / s.Raw(bytes([0x11, 0x09, 0, 0, 0, 0]) + mark(t))]


@kind("llc_8023", "drop", "an 802.3 frame (length field) with LLC/SNAP")
def _(s, c, t):
    return [s.Dot3(src=c["me_mac"], dst=c["o_mac"]) / s.LLC() / s.SNAP(code=0x0800) /
            s.Raw(mark(t))]


# 802.1D group addresses: seen by the observer when the bridge forwards
# them (:00 with STP off; :03 and :0e with group_fwd_mask 0x4008) --------

def bpdu_root():
    """A configuration BPDU claiming the root: priority 0."""
    return (bytes([0x42, 0x42, 0x03]) + struct.pack(">HBB", 0, 0, 0) + bytes([0x00]) +
            struct.pack(">H", 0) + bytes.fromhex("00163e999999") + struct.pack(">I", 0) +
            struct.pack(">H", 0) + bytes.fromhex("00163e999999") + struct.pack(">HHHHH", 0x8001,
                                                                              0, 20 * 256,
                                                                              2 * 256,
                                                                              15 * 256))


@kind("stp_bpdu", "drop", "an STP configuration BPDU claiming the root (01:80:c2:00:00:00)")
def _(s, c, t):
    body = bpdu_root() + mark(t)
    return [s.Dot3(src=c["me_mac"], dst="01:80:c2:00:00:00", len=len(body)) / s.Raw(body)]


@kind("lldp", "drop", "LLDP from its own MAC (01:80:c2:00:00:0e)")
def _(s, c, t):
    tlv = (struct.pack(">H", (1 << 9) | 7) + bytes([4]) + mac_bytes(c["me_mac"]) +
           struct.pack(">H", (2 << 9) | 7) + bytes([3]) + mac_bytes(c["me_mac"]) +
           struct.pack(">HH", (3 << 9) | 2, 120) + bytes(2))
    return [s.Ether(src=c["me_mac"], dst="01:80:c2:00:00:0e", type=0x88cc) / s.Raw(tlv + mark(t))]


@kind("group_udp", "drop", "its own IPv4 UDP to 01:80:c2:00:00:03")
def _(s, c, t):
    return [s.Ether(src=c["me_mac"], dst="01:80:c2:00:00:03") / ip4(s, c, t) /
            s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("group_udp_zero", "drop", "UDP from 0.0.0.0 to broadcast, to 01:80:c2:00:00:03")
def _(s, c, t):
    return [s.Ether(src=c["me_mac"], dst="01:80:c2:00:00:03") /
            ip4(s, c, t, src="0.0.0.0", dst="255.255.255.255") / s.UDP(dport=4000) /
            s.Raw(mark(t))]


# A trunk: the guest's own frames on its tagged VLANs (20 and 30 in the
# world of the test that uses them), judged on the inner headers ---------

@kind("trunk_ip4_own", "pass", "its own IPv4 tagged with VLAN 20 of its trunk")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=20) / ip4(s, c, t) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("trunk_arp_own", "pass", "its own ARP reply tagged with VLAN 20 of its trunk")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=20) / s.ARP(op=2, hwsrc=c["me_mac"], psrc=c["me4"],
                                                hwdst=c["o_mac"], pdst=c["o4"]) /
            s.Raw(mark(t))]


@kind("trunk_ip6_own", "pass", "its own IPv6 tagged with VLAN 30 of its trunk")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=30) / ip6(s, c, t) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("trunk_ip4_spoof", "drop", "the victim's IPv4 source, tagged with VLAN 20 of its trunk")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=20) / ip4(s, c, t, src=c["v4"]) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("trunk_arp_spoof", "drop", "an ARP reply claiming the victim's address, VLAN 20")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=20) / s.ARP(op=2, hwsrc=c["me_mac"], psrc=c["v4"],
                                                hwdst=c["o_mac"], pdst=c["o4"]) /
            s.Raw(mark(t))]


@kind("trunk_other_vlan", "drop", "its own IPv4 tagged with VLAN 40, not of its trunk")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=40) / ip4(s, c, t) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("trunk_nested", "drop", "its own IPv4 in VLAN 5 inside VLAN 20 of its trunk")
def _(s, c, t):
    return [eth(s, c) / s.Dot1Q(vlan=20) / s.Dot1Q(vlan=5) / ip4(s, c, t) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("trunk_8021ad", "drop", "its own IPv4 in an 802.1ad tag of VLAN 20")
def _(s, c, t):
    return [eth(s, c) / s.Dot1AD(vlan=20) / ip4(s, c, t) / s.UDP(dport=4000) / s.Raw(mark(t))]


# IPv4 ----------------------------------------------------------------------

@kind("ip4_spoof", "drop", "UDP from the victim's IPv4 address")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, src=c["v4"]) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("ip4_options", "pass", "its own IPv4 with options (NOP, record route)")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, options=[s.IPOption_NOP(), s.IPOption_RR()]) /
            s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("ip4_later_frag", "pass", "a later IPv4 fragment (no transport header)", "later")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, proto=17, frag=2) / s.Raw(mark(t))]


def bootp(c, op, xid=0x1234, chaddr=None, msgtype=None, ciaddr="0.0.0.0", opts=b""):
    """A BOOTP/DHCP message: a client's (op 1) carries its own MAC in
    chaddr unless told otherwise, a server's (op 2) the victim's."""
    chaddr = chaddr or (c["me_mac"] if op == 1 else c["v_mac"])
    msgtype = msgtype or (2 if op == 2 else 1)
    return (bytes([op, 1, 6, 0]) + struct.pack(">I", xid) + bytes(4) +
            socket.inet_aton(ciaddr) + socket.inet_aton("10.0.0.77" if op == 2 else "0.0.0.0") +
            socket.inet_aton(c["me4"] if op == 2 else "0.0.0.0") + bytes(4) +
            mac_bytes(chaddr) + bytes(10) + bytes(192) + b"\x63\x82\x53\x63" +
            bytes([53, 1, msgtype]) + opts + bytes([255]))


@kind("dhcp4_offer_67", "drop", "DHCP offer from port 67")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, dst="255.255.255.255") / s.UDP(sport=67, dport=68) /
            s.Raw(bootp(c, 2))]


@kind("dhcp4_offer_1067", "drop", "DHCP offer to port 68 from port 1067")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, dst="255.255.255.255") / s.UDP(sport=1067, dport=68) /
            s.Raw(bootp(c, 2))]


@kind("dhcp4_offer_68", "drop", "DHCP offer to port 68 from port 68")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, dst="255.255.255.255") / s.UDP(sport=68, dport=68) /
            s.Raw(bootp(c, 2))]


@kind("dhcp4_offer_options", "drop", "DHCP offer from port 1067, IP options before UDP")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, dst="255.255.255.255",
                            options=[s.IPOption_NOP(), s.IPOption_NOP(), s.IPOption_RR()]) /
            s.UDP(sport=1067, dport=68) / s.Raw(bootp(c, 2))]


@kind("bootreply_to_67", "drop", "BOOTREPLY (op 2) to a relay's port 67, from 1068")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t) / s.UDP(sport=1068, dport=67) / s.Raw(bootp(c, 2))]


@kind("bootp_op_in_frag2", "drop", "to port 67, the op byte in a second fragment")
def _(s, c, t):
    dgram = bytes(s.UDP(sport=1068, dport=67) / s.Raw(bootp(c, 2)))
    return [eth(s, c) / ip4(s, c, t, proto=17, flags="MF", frag=0) / s.Raw(dgram[:8]),
            eth(s, c) / ip4(s, c, t, proto=17, frag=1) / s.Raw(dgram[8:])]


@kind("bootp_op_in_padding", "drop",
      "to port 67, a first fragment whose Ethernet padding holds op 1, the real op later")
def _(s, c, t):
    dgram = bytes(s.UDP(sport=1068, dport=67) / s.Raw(bootp(c, 2)))
    return [eth(s, c) / ip4(s, c, t, proto=17, flags="MF", frag=0) / s.Raw(dgram[:8]) /
            s.Padding(b"\x01" * 18),
            eth(s, c) / ip4(s, c, t, proto=17, frag=1) / s.Raw(dgram[8:])]


@kind("dhcp4_request_own", "pass", "DHCP request (op 1) from its own address, 68 to 67")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t) / s.UDP(sport=68, dport=67) / s.Raw(bootp(c, 1))]


@kind("dhcp4_discover", "pass", "DHCP discover from 0.0.0.0")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, src="0.0.0.0", dst="255.255.255.255") /
            s.UDP(sport=68, dport=67) / s.Raw(bootp(c, 1))]


@kind("dhcp4_zero_op2", "drop", "BOOTREPLY from 0.0.0.0 to port 67")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, src="0.0.0.0", dst="255.255.255.255") /
            s.UDP(sport=68, dport=67) / s.Raw(bootp(c, 2))]


@kind("dhcp4_request_victim", "drop", "DHCPREQUEST from its own address, the victim's chaddr")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t) / s.UDP(sport=68, dport=67) /
            s.Raw(bootp(c, 1, chaddr=c["v_mac"], msgtype=3, ciaddr=c["me4"]))]


def victim_ids(c):
    """The victim's client identifier (what udhcpc sends: 1, its MAC) and
    the server's (the observer's) identifier."""
    return (bytes([61, 7, 1]) + mac_bytes(c["v_mac"]) + bytes([54, 4]) +
            socket.inet_aton(c["o4"]))


@kind("dhcp4_decline_victim", "drop",
      "DHCPDECLINE of the victim's reserved address, from 0.0.0.0, with its chaddr")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t, src="0.0.0.0", dst="255.255.255.255") /
            s.UDP(sport=68, dport=67) /
            s.Raw(bootp(c, 1, chaddr=c["v_mac"], msgtype=4,
                        opts=bytes([50, 4]) + socket.inet_aton(c["v4"]) + victim_ids(c)))]


@kind("dhcp4_release_victim", "drop", "DHCPRELEASE of the victim's lease, with its chaddr")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t) / s.UDP(sport=68, dport=67) /
            s.Raw(bootp(c, 1, chaddr=c["v_mac"], msgtype=7, ciaddr=c["v4"], opts=victim_ids(c)))]


@kind("icmp4_echo", "pass", "ICMP echo request")
def _(s, c, t):
    return [eth(s, c) / ip4(s, c, t) / s.ICMP(type=8) / s.Raw(mark(t))]


@kind("icmp4_redirect", "drop", "ICMP redirect (type 5): 198.51.100.7 via 10.0.0.99")
def _(s, c, t):
    # about an echo reply, which Linux acts on without a socket (icmp_err)
    return [eth(s, c) / ip4(s, c, t) / s.ICMP(type=5, code=1, gw="10.0.0.99") /
            s.IPerror(src=c["o4"], dst="198.51.100.7") / s.ICMPerror(type=0, id=1, seq=1)]


@kind("icmp4_router_adv", "drop", "ICMP router advertisement (type 9, RFC 1256)")
def _(s, c, t):
    body = bytes([1, 2]) + struct.pack(">H", 1800) + socket.inet_aton(c["me4"]) + \
        struct.pack(">i", 1000)
    return [eth(s, c) / ip4(s, c, t, dst="224.0.0.1") / s.ICMP(type=9, code=0) / s.Raw(body)]


# IPv6 ----------------------------------------------------------------------

@kind("ip6_own", "pass", "UDP from its own IPv6 address")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("ip6_ll_own", "pass", "UDP from the link-local address of its MAC")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, src=c["me_ll"], dst=c["o_ll"]) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("ip6_ll_other", "drop", "UDP from a link-local address not of its MAC")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, src="fe80::1234", dst=c["o_ll"]) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("ip6_ll_victim", "drop", "UDP from the victim's link-local address")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, src=c["v_ll"], dst=c["o_ll"]) / s.UDP(dport=4000) /
            s.Raw(mark(t))]


@kind("ip6_spoof", "drop", "UDP from the victim's IPv6 address")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, src=c["v6"]) / s.UDP(dport=4000) / s.Raw(mark(t))]


@kind("echo6", "pass", "ICMPv6 echo request")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.ICMPv6EchoRequest(data=mark(t))]


@kind("echo6_frag", "pass", "an ICMPv6 echo request in two fragments")
def _(s, c, t):
    return frag6(s, c, t, s.ICMPv6EchoRequest(data=mark(t) + bytes(64)), 16)


@kind("udp6_later_frag", "pass", "a later IPv6 fragment alone", "later")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.IPv6ExtHdrFragment(nh=17, offset=4, m=0, id=t) /
            s.Raw(mark(t))]


@kind("ip6_trunc_chain", "drop", "a first fragment whose header chain stops mid-header")
def _(s, c, t):
    # one byte of a destination options header: the chain cannot be followed
    return [eth(s, c) / ip6(s, c, t) / s.IPv6ExtHdrFragment(nh=60, offset=0, m=1, id=t) /
            s.Raw(bytes([58]))]


def upper6(s, c, t, layer, src=None, dst=None, hlim=64):
    """The bytes of an upper-layer message, checksummed for src/dst."""
    b = bytes(s.IPv6(src=src or c["me6"], dst=dst or c["o6"], hlim=hlim) / layer)
    return b[40:], b[6]


def frag6(s, c, t, layer, cut, src=None, dst=None, hlim=64, pre=b"", pre_nh=None):
    """layer (behind the bytes pre, whose next header is layer's) in two
    fragments, the first carrying cut bytes of the fragmentable part."""
    body, nh = upper6(s, c, t, layer, src, dst, hlim)
    part = pre + body
    first_nh = pre_nh if pre else nh
    hdr = ip6(s, c, t, src=src, dst=dst, hlim=hlim)
    return [eth(s, c) / hdr / s.IPv6ExtHdrFragment(nh=first_nh, offset=0, m=1, id=t) /
            s.Raw(part[:cut]),
            eth(s, c) / hdr / s.IPv6ExtHdrFragment(nh=first_nh, offset=cut // 8, m=0, id=t) /
            s.Raw(part[cut:])]


def ra(s, c):
    return s.ICMPv6ND_RA(routerlifetime=1800) / s.ICMPv6NDOptPrefixInfo(prefix="fd99::",
                                                                        prefixlen=64)


@kind("ra", "drop", "router advertisement")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"]) / ra(s, c)]


@kind("ra_hbh", "drop", "router advertisement behind a hop-by-hop header")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"]) / s.IPv6ExtHdrHopByHop() / ra(s, c)]


@kind("ra_dstopt", "drop", "router advertisement behind destination options")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"]) / s.IPv6ExtHdrDestOpt() / ra(s, c)]


@kind("ra_atomic", "drop", "router advertisement in an atomic fragment")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"]) / s.IPv6ExtHdrFragment(m=0, offset=0, id=t) /
            ra(s, c)]


@kind("ra_frag", "drop", "router advertisement in two fragments")
def _(s, c, t):
    return frag6(s, c, t, ra(s, c), 16, src=c["me_ll"], dst="ff02::1", hlim=255)


@kind("ra_hdr_in_frag2", "drop", "fragmented RA whose ICMPv6 header is in the later fragment")
def _(s, c, t):
    dst = bytes([58, 0]) + bytes([1, 4, 0, 0, 0, 0])  # next: ICMPv6; PadN
    return frag6(s, c, t, ra(s, c), 8, src=c["me_ll"], dst="ff02::1", hlim=255, pre=dst,
                 pre_nh=60)


@kind("redirect6", "drop", "ICMPv6 redirect")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"], c["o_ll"]) /
            s.ICMPv6ND_Redirect(tgt=c["me_ll"], dst="2001:db8::1")]


@kind("router_renumbering", "drop", "router renumbering (ICMPv6 138)")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, dst="ff02::2") /
            s.ICMPv6Unknown(type=138, code=0, msgbody=bytes(12))]


def na(s, c, tgt, opts=b"", o=1):
    return s.ICMPv6ND_NA(tgt=tgt, R=0, S=0, O=o) / s.Raw(opts)


@kind("na_own", "pass", "neighbour advertisement for its own address, its MAC")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) / na(s, c, c["me6"], opt_lla(2, c["me_mac"]))]


@kind("na_own_noopt", "pass", "neighbour advertisement for its own address, no option")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"], c["o6"]) / na(s, c, c["me6"])]


@kind("na_ll_own", "pass", "neighbour advertisement for its own link-local address")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"]) / na(s, c, c["me_ll"],
                                                        opt_lla(2, c["me_mac"]))]


@kind("na_victim", "drop", "unsolicited NA claiming the victim's address")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) / na(s, c, c["v6"], opt_lla(2, c["me_mac"]))]


@kind("na_victim_ll", "drop", "unsolicited NA claiming the victim's link-local address")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"]) / na(s, c, c["v_ll"],
                                                        opt_lla(2, c["me_mac"]))]


@kind("na_victim_noopt", "drop", "NA claiming the victim's address, no option")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) / na(s, c, c["v6"])]


@kind("na_tlla_victim", "drop", "NA for its own address with the victim's MAC")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) / na(s, c, c["me6"], opt_lla(2, c["v_mac"]))]


@kind("na_two_tlla", "drop", "NA for its own address, its MAC then the victim's")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) /
            na(s, c, c["me6"], opt_lla(2, c["me_mac"]) + opt_lla(2, c["v_mac"]))]


@kind("na_victim_hbh", "drop", "NA claiming the victim's address behind hop-by-hop")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) / s.IPv6ExtHdrHopByHop() /
            na(s, c, c["v6"], opt_lla(2, c["me_mac"]))]


@kind("na_victim_dstopt", "drop", "NA claiming the victim's address behind dest. options")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) / s.IPv6ExtHdrDestOpt() /
            na(s, c, c["v6"], opt_lla(2, c["me_mac"]))]


@kind("na_victim_atomic", "drop", "NA claiming the victim's address, atomic fragment")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"]) / s.IPv6ExtHdrFragment(m=0, offset=0, id=t) /
            na(s, c, c["v6"], opt_lla(2, c["me_mac"]))]


@kind("na_victim_frag", "drop", "NA claiming the victim's address in two fragments")
def _(s, c, t):
    return frag6(s, c, t, na(s, c, c["v6"], opt_lla(2, c["me_mac"])), 16, src=c["me6"],
                 dst="ff02::1", hlim=255)


@kind("ns_own", "pass", "neighbour solicitation from its address, its MAC")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"], solicited(c["o6"])) /
            s.ICMPv6ND_NS(tgt=c["o6"]) / s.Raw(opt_lla(1, c["me_mac"]))]


@kind("ns_own_noopt", "pass", "unicast neighbour solicitation, no option")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"], c["o6"]) / s.ICMPv6ND_NS(tgt=c["o6"])]


@kind("ns_slla_victim", "drop", "neighbour solicitation with the victim's MAC")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me6"], solicited(c["o6"])) /
            s.ICMPv6ND_NS(tgt=c["o6"]) / s.Raw(opt_lla(1, c["v_mac"]))]


@kind("ns_from_victim_ll", "drop", "neighbour solicitation from the victim's link-local")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["v_ll"], solicited(c["o6"])) /
            s.ICMPv6ND_NS(tgt=c["o6"]) / s.Raw(opt_lla(1, c["me_mac"]))]


@kind("dad_own", "pass", "DAD for its own address, with a nonce (Linux)")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, "::", solicited(c["me6"])) /
            s.ICMPv6ND_NS(tgt=c["me6"]) / s.Raw(bytes([14, 1]) + b"nonce!")]


@kind("dad_own_noopt", "pass", "DAD for its own link-local address, no option")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, "::", solicited(c["me_ll"])) /
            s.ICMPv6ND_NS(tgt=c["me_ll"])]


@kind("dad_victim", "drop", "DAD for the victim's address")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, "::", solicited(c["v6"])) / s.ICMPv6ND_NS(tgt=c["v6"])]


@kind("dad_slla", "drop", "DAD with a source link-layer option")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, "::", solicited(c["me6"])) /
            s.ICMPv6ND_NS(tgt=c["me6"]) / s.Raw(opt_lla(1, c["v_mac"]))]


@kind("rs_own", "pass", "router solicitation from its link-local address, its MAC")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"], "ff02::2") / s.ICMPv6ND_RS() /
            s.Raw(opt_lla(1, c["me_mac"]))]


@kind("rs_slla_victim", "drop", "router solicitation with the victim's MAC")
def _(s, c, t):
    return [eth(s, c) / nd6(s, c, t, c["me_ll"], "ff02::2") / s.ICMPv6ND_RS() /
            s.Raw(opt_lla(1, c["v_mac"]))]


@kind("mld2_unspec", "pass", "MLDv2 report from :: (hop-by-hop router alert)")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, src="::", dst="ff02::16", hlim=1) /
            s.IPv6ExtHdrHopByHop(options=[s.RouterAlert()]) /
            s.ICMPv6MLReport2(records=[s.ICMPv6MLDMultAddrRec(dst="ff02::1:ff00:1")])]


def dhcp6(msgtype):
    return bytes([msgtype, 0x12, 0x34, 0x56]) + struct.pack(">HH", 1, 4) + b"duid"


@kind("dhcp6_reply_547", "drop", "DHCPv6 reply from port 547")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.UDP(sport=547, dport=546) / s.Raw(dhcp6(7))]


@kind("dhcp6_reply_5470", "drop", "DHCPv6 reply to port 546 from port 5470")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.UDP(sport=5470, dport=546) / s.Raw(dhcp6(7))]


@kind("dhcp6_advertise_546", "drop", "DHCPv6 advertise to port 546 from port 546")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, src=c["me_ll"], dst=c["o_ll"]) /
            s.UDP(sport=546, dport=546) / s.Raw(dhcp6(2))]


@kind("dhcp6_reconfigure", "drop", "DHCPv6 reconfigure to port 546")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.UDP(sport=1024, dport=546) / s.Raw(dhcp6(10))]


@kind("dhcp6_relay_reply", "drop", "DHCPv6 relay-reply to a relay's port 547")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.UDP(sport=5470, dport=547) / s.Raw(dhcp6(13))]


@kind("dhcp6_type_in_frag2", "drop", "to port 547, the message type in a second fragment")
def _(s, c, t):
    return frag6(s, c, t, s.UDP(sport=5470, dport=547) / s.Raw(dhcp6(13) + bytes(16)), 8)


@kind("dhcp6_type_in_padding", "drop",
      "to port 547, a first fragment whose Ethernet padding holds a client type, the real one later")
def _(s, c, t):
    f = frag6(s, c, t, s.UDP(sport=5470, dport=547) / s.Raw(dhcp6(13) + bytes(16)), 8)
    f[0] = f[0] / s.Padding(b"\x01" * 8)
    return f


@kind("dhcp6_reply_dstopt", "drop", "DHCPv6 reply to port 546 behind destination options")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t) / s.IPv6ExtHdrDestOpt() / s.UDP(sport=5470, dport=546) /
            s.Raw(dhcp6(7))]


@kind("dhcp6_hdr_in_frag2", "drop", "DHCPv6 reply whose UDP header is in the later fragment")
def _(s, c, t):
    dst = bytes([17, 0]) + bytes([1, 4, 0, 0, 0, 0])
    return frag6(s, c, t, s.UDP(sport=5470, dport=546) / s.Raw(dhcp6(7)), 8, pre=dst,
                 pre_nh=60)


@kind("dhcp6_solicit", "pass", "DHCPv6 solicit from its link-local address")
def _(s, c, t):
    return [eth(s, c) / ip6(s, c, t, src=c["me_ll"], dst="ff02::1:2") /
            s.UDP(sport=546, dport=547) / s.Raw(dhcp6(1))]


def opt6(code, data):
    return struct.pack(">HH", code, len(data)) + data


def duid_ll(mac):
    return struct.pack(">HH", 3, 1) + mac_bytes(mac)


def duid_llt(mac):
    return struct.pack(">HHI", 1, 1, 0x2a2a2a2a) + mac_bytes(mac)


ELAPSED = opt6(8, bytes(2))
ORO = opt6(6, struct.pack(">HH", 23, 24))


def client6(s, c, t, msgtype, opts):
    """A DHCPv6 client message from its link-local address to the
    servers' group: type, transaction id, options."""
    return [eth(s, c) / ip6(s, c, t, src=c["me_ll"], dst="ff02::1:2") /
            s.UDP(sport=546, dport=547) / s.Raw(bytes([msgtype, 0x12, 0x34, 0x56]) + opts)]


@kind("dhcp6_solicit_ll_own", "pass", "DHCPv6 solicit, client id first: DUID-LL of its MAC")
def _(s, c, t):
    return client6(s, c, t, 1, opt6(1, duid_ll(c["me_mac"])) + ELAPSED)


@kind("dhcp6_solicit_llt_own", "pass",
      "DHCPv6 solicit, client id after an elapsed time: DUID-LLT of its MAC (Windows)")
def _(s, c, t):
    return client6(s, c, t, 1, ELAPSED + opt6(1, duid_llt(c["me_mac"])) + ORO)


@kind("dhcp6_solicit_en", "pass", "DHCPv6 solicit with a DUID-EN (not tied to a MAC)")
def _(s, c, t):
    return client6(s, c, t, 1, opt6(1, struct.pack(">HI", 2, 32473) + b"guest-id") + ELAPSED)


@kind("dhcp6_solicit_late_victim", "pass",
      "DHCPv6 solicit, the victim's DUID-LL after other options (a limit: FW-NOTES)")
def _(s, c, t):
    return client6(s, c, t, 1, ORO + ELAPSED + opt6(1, duid_ll(c["v_mac"])))


@kind("dhcp6_request_victim", "drop", "DHCPv6 request, client id first: the victim's DUID-LL")
def _(s, c, t):
    return client6(s, c, t, 3, opt6(1, duid_ll(c["v_mac"])) + ELAPSED)


@kind("dhcp6_decline_victim", "drop", "DHCPv6 decline, client id first: the victim's DUID-LLT")
def _(s, c, t):
    return client6(s, c, t, 9, opt6(1, duid_llt(c["v_mac"])))


@kind("dhcp6_release_victim", "drop",
      "DHCPv6 release, client id after an elapsed time: the victim's DUID-LL")
def _(s, c, t):
    return client6(s, c, t, 8, ELAPSED + opt6(1, duid_ll(c["v_mac"])))


@kind("dhcp6_decline_late", "drop",
      "DHCPv6 decline whose client id is not where the guard reads it")
def _(s, c, t):
    return client6(s, c, t, 9, ORO + opt6(1, duid_ll(c["me_mac"])))


# What the guard must count for each kind a guarded guest sends and it
# drops: the reason (hp/fw.h's names) and how many frames.
REASONS = {
    "arp_probe_victim": "arp", "arp_spoof_ip": "arp", "arp_spoof_mac": "arp",
    "arp_reply_zero": "arp", "arp_hlen": "arp",
    "mac_spoof": "mac",
    "vlan_ip4": "ethertype", "vlan0_ip4": "ethertype", "qinq_ip4": "ethertype",
    "vlan_arp": "ethertype", "vlan_ip6": "ethertype", "ethertype_local": "ethertype",
    "pppoe_disc": "ethertype", "llc_8023": "ethertype",
    "stp_bpdu": "group", "lldp": "group", "group_udp": "group", "group_udp_zero": "group",
    "trunk_ip4_spoof": "ip4", "trunk_arp_spoof": "arp", "trunk_other_vlan": "ethertype",
    "trunk_nested": "ethertype", "trunk_8021ad": "ethertype",
    "ip4_spoof": "ip4",
    "dhcp4_offer_67": "dhcp", "dhcp4_offer_1067": "dhcp", "dhcp4_offer_68": "dhcp",
    "dhcp4_offer_options": "dhcp", "bootreply_to_67": "dhcp", "bootp_op_in_frag2": "dhcp",
    "bootp_op_in_padding": "dhcp", "dhcp4_zero_op2": "dhcp", "dhcp4_request_victim": "dhcp",
    "dhcp4_decline_victim": "dhcp", "dhcp4_release_victim": "dhcp",
    "icmp4_redirect": "ra", "icmp4_router_adv": "ra",
    "ip6_ll_other": "ip6", "ip6_ll_victim": "ip6", "ip6_spoof": "ip6", "ip6_trunc_chain": "ip6",
    "ra": "ra", "ra_hbh": "ra", "ra_dstopt": "ra", "ra_atomic": "ra", "ra_frag": "ra",
    "ra_hdr_in_frag2": "frag", "redirect6": "ra", "router_renumbering": "ra",
    "na_victim": "nd", "na_victim_ll": "nd", "na_victim_noopt": "nd", "na_tlla_victim": "nd",
    "na_two_tlla": "nd", "na_victim_hbh": "nd", "na_victim_dstopt": "nd",
    "na_victim_atomic": "nd", "na_victim_frag": "nd",
    "ns_slla_victim": "nd", "ns_from_victim_ll": "ip6", "dad_victim": "nd", "dad_slla": "nd",
    "rs_slla_victim": "nd",
    "dhcp6_reply_547": "dhcp", "dhcp6_reply_5470": "dhcp", "dhcp6_advertise_546": "dhcp",
    "dhcp6_reconfigure": "dhcp", "dhcp6_relay_reply": "dhcp", "dhcp6_type_in_frag2": "dhcp",
    "dhcp6_type_in_padding": "dhcp", "dhcp6_reply_dstopt": "dhcp", "dhcp6_hdr_in_frag2": "frag",
    "dhcp6_request_victim": "dhcp", "dhcp6_decline_victim": "dhcp",
    "dhcp6_release_victim": "dhcp", "dhcp6_decline_late": "dhcp",
}


# ---------------------------------------------------------------- commands

def index_of(name):
    for i, k in enumerate(KINDS):
        if k[0] == name:
            return i
    sys.exit("attack.py: no frame kind '%s'" % name)


def token_of(c, name):
    return int(c.get("base", "0")) + index_of(name) + 1


def cmd_list(args):
    for name, verdict, what, _fn, _part in KINDS:
        print("%s %s %s" % (name, verdict, what))


def cmd_reasons(args):
    """Every drop kind has its reason; each frame of a kind is one drop
    but the later fragments, which pass."""
    for name, verdict, _what, fn, part in KINDS:
        if verdict != "drop":
            continue
        if name not in REASONS:
            sys.exit("attack.py: no reason for drop kind '%s'" % name)
        frames = fn(lazy_scapy(), parse_ctx(
            "me_mac=00:16:3e:01:00:01,me4=10.0.0.1,me6=fd00::1,v_mac=00:16:3e:02:00:01,"
            "v4=10.0.0.2,v6=fd00::2,o_mac=00:16:3e:ee:ee:ee,o4=10.0.0.100,o6=fd00::100"), 1)
        later = sum(1 for f in frames if f.haslayer("IP") and f["IP"].frag or
                    f.haslayer("IPv6ExtHdrFragment") and f["IPv6ExtHdrFragment"].offset)
        print("%s %s %d" % (name, REASONS[name], len(frames) - later))


def cmd_send(args):
    s = lazy_scapy()
    c = parse_ctx(args[0])
    frames = []
    for name in args[1:]:
        frames += KINDS[index_of(name)][3](s, c, token_of(c, name))
    sock = s.conf.L2socket(iface="eth0")
    for f in frames:
        sock.send(f)
        time.sleep(0.002)
    sock.close()


def guard_counters(vif):
    """{vif's reason: packets}, and the sum of every other vif's."""
    import json
    import subprocess
    out = subprocess.run(["nft", "-j", "list", "counters", "table", "netdev", "xen_hotplug"],
                         capture_output=True, text=True, check=True).stdout
    mine, others = {}, 0
    for o in json.loads(out)["nftables"]:
        ctr = o.get("counter")
        if not ctr:
            continue
        name, _, reason = ctr["name"].rpartition("/")
        if name == vif:
            mine[reason] = ctr["packets"]
        else:
            others += ctr["packets"]
    return mine, others


def cmd_count(args):
    import ctypes
    s = lazy_scapy()
    c = parse_ctx(args[0])
    vif = args[2]
    sock = s.conf.L2socket(iface="eth0")
    # the socket stays on the guest's eth0; nft runs in dom0
    fd = os.open("/run/netns/" + args[1], os.O_RDONLY)
    if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000):  # CLONE_NEWNET
        sys.exit("attack.py: setns: %s" % os.strerror(ctypes.get_errno()))
    os.close(fd)
    before, others = guard_counters(vif)
    for name in args[3:]:
        for f in KINDS[index_of(name)][3](s, c, token_of(c, name)):
            sock.send(f)
            time.sleep(0.002)
        time.sleep(0.05)
        after, now = guard_counters(vif)
        moved = ["%s:%d" % (k, after[k] - before.get(k, 0)) for k in sorted(after)
                 if after[k] != before.get(k, 0)]
        if now != others:
            moved.append("others:%d" % (now - others))
        print(name, " ".join(moved) or "-")
        before, others = after, now
    sock.close()


def frame_token(f):
    """(token, first) of a received frame, or None."""
    off, et = 12, struct.unpack(">H", f[12:14])[0]
    while et in (0x8100, 0x88a8):
        off += 4
        et = struct.unpack(">H", f[off:off + 2])[0]
    p = f[off + 2:]
    if et == 0x0800 and len(p) >= 20 and (p[4] & 0xf0) == 0xa0:
        return struct.unpack(">H", p[4:6])[0] & 0xfff, (struct.unpack(">H", p[6:8])[0] & 0x1fff) == 0
    if et == 0x86dd and len(p) >= 40 and ((p[1] & 0xf) << 16 | p[2] << 8 | p[3]) >> 12 == 0xa:
        t = (p[2] << 8 | p[3]) & 0xfff
        nh, o, first = p[6], 40, True
        while nh in (0, 43, 44, 60) and len(p) >= o + 8:
            if nh == 44:
                first = (struct.unpack(">H", p[o + 2:o + 4])[0] >> 3) == 0
                nh, o = p[o], o + 8
            else:
                nh, o = p[o], o + (p[o + 1] + 1) * 8
        return t, first
    i = f.find(MARK)
    if i >= 0 and len(f) >= i + 6:
        return struct.unpack(">H", f[i + 4:i + 6])[0], True
    return None


def cmd_capture(args):
    out = open(args[0], "a", buffering=1)
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    sk.bind(("eth0", 0))
    open(args[0] + ".ready", "w").close()
    while True:
        f, addr = sk.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING or len(f) < 14:
            continue
        r = frame_token(f)
        if r:
            out.write("%s %d %s\n" % (":".join("%02x" % b for b in f[6:12]), r[0],
                                      "first" if r[1] else "later"))


def cmd_seen(args):
    c = parse_ctx(args[1])
    got = set()
    for line in open(args[0]):
        m, t, part = line.split()
        got.add((m, int(t), part))
    for name in args[2:]:
        # a frame with another source MAC is told by its token alone
        spoofed = name == "mac_spoof"
        part = KINDS[index_of(name)][4]
        hit = any(t == token_of(c, name) and p == part and (spoofed or m == c["me_mac"])
                  for m, t, p in got)
        print("%s %s" % (name, "seen" if hit else "unseen"))


def cmd_dhcp4_server(args):
    """Answers DHCPDISCOVER and DHCPREQUEST with a lease whose router and
    DNS server are ourselves, from UDP port SPORT, to port 68."""
    s = lazy_scapy()
    c = parse_ctx(args[0])
    sport = int(args[1])
    ready = args[2]

    def answer(p):
        if not p.haslayer(s.DHCP) or p[s.BOOTP].op != 1:
            return
        opts = dict(o for o in p[s.DHCP].options if isinstance(o, tuple))
        mt = {1: "offer", 3: "ack"}.get(opts.get("message-type"))
        if not mt:
            return
        r = (s.Ether(src=c["me_mac"], dst="ff:ff:ff:ff:ff:ff") /
             s.IP(src=c["me4"], dst="255.255.255.255") / s.UDP(sport=sport, dport=68) /
             s.BOOTP(op=2, xid=p[s.BOOTP].xid, yiaddr="10.0.0.77", siaddr=c["me4"],
                     chaddr=p[s.BOOTP].chaddr, flags=p[s.BOOTP].flags) /
             s.DHCP(options=[("message-type", mt), ("server_id", c["me4"]),
                             ("lease_time", 600), ("subnet_mask", "255.255.255.0"),
                             ("router", c["me4"]), ("name_server", c["me4"]), "end"]))
        s.sendp(r, iface="eth0")

    # lfilter, not a BPF filter: scapy would need tcpdump to compile one
    s.sniff(iface="eth0", lfilter=lambda p: p.haslayer(s.UDP) and p[s.UDP].dport == 67,
            prn=answer, timeout=30,
            started_callback=lambda: open(ready, "w").close())


def cmd_udp_listen(args):
    """Records "PORT MSGTYPE SOURCE SOURCEPORT" for each datagram received
    on [::]:PORT, for 20 s."""
    import select
    out = open(args[0], "a", buffering=1)
    socks = []
    for port in args[1:]:
        sk = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sk.bind(("::", int(port)))
        socks.append((sk, int(port)))
    open(args[0] + ".ready", "w").close()
    end = time.time() + 20
    while time.time() < end:
        r, _, _ = select.select([k for k, _ in socks], [], [], 0.2)
        for sk, port in socks:
            if sk in r:
                data, addr = sk.recvfrom(2048)
                out.write("%d %d %s %d\n" % (port, data[0] if data else -1, addr[0], addr[1]))


def main():
    cmds = {"list": cmd_list, "reasons": cmd_reasons, "send": cmd_send, "count": cmd_count, "capture": cmd_capture, "seen": cmd_seen,
            "dhcp4-server": cmd_dhcp4_server, "udp-listen": cmd_udp_listen}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
