#!/usr/bin/env python3
"""tests/vlan-host.py IFACE READY_FILE VID=ADDR [VID=ADDR...]

A host on an 802.1Q trunk, in user space: for each VID it answers ARP
requests and ICMP echo requests for ADDR that arrive tagged VID, with
replies tagged VID.  Untagged frames are left to the kernel.  The test
kernel has no 802.1Q support (CONFIG_VLAN_8021Q and bridge VLAN
filtering are off), so a guest cannot terminate VLANs itself; this lets
a trunk guest really answer on its VLANs.  Writes READY_FILE once it
listens; runs until killed.

The kernel moves a received tag out of the frame into metadata; an
AF_PACKET socket gets it back as PACKET_AUXDATA (struct tpacket_auxdata,
linux/if_packet.h)."""
import socket
import struct
import sys

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def arp_reply(mac, ip, payload):
    # htype, ptype, hlen, plen, op, sha, spa, tha, tpa
    if len(payload) < 28:
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", payload[:8])
    sha, spa, tpa = payload[8:14], payload[14:18], payload[24:28]
    if (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 1) or tpa != ip:
        return None
    return sha, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + ip + sha + spa


def icmp_reply(ip, payload):
    if len(payload) < 28 or payload[0] >> 4 != 4:
        return None
    ihl = (payload[0] & 15) * 4
    total = struct.unpack("!H", payload[2:4])[0]
    if payload[9] != 1 or payload[16:20] != ip or payload[ihl] != 8:
        return None
    icmp = bytearray(payload[ihl:total])
    icmp[0] = 0  # echo reply
    icmp[2:4] = b"\0\0"
    icmp[2:4] = struct.pack("!H", checksum(bytes(icmp)))
    hdr = bytearray(payload[:ihl])
    hdr[8] = 64
    hdr[12:16], hdr[16:20] = payload[16:20], payload[12:16]
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", checksum(bytes(hdr)))
    return 0x0800, bytes(hdr) + bytes(icmp)


def main():
    iface, ready = sys.argv[1], sys.argv[2]
    table = {}
    for arg in sys.argv[3:]:
        vid, addr = arg.split("=")
        table[int(vid)] = socket.inet_aton(addr)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    mac = s.getsockname()[4]
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(32))
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 14:
            continue
        vid = None
        for level, kind, cdata in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(cdata) >= 20:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xFFF
        ethertype, payload = struct.unpack("!H", data[12:14])[0], data[14:]
        if ethertype == 0x8100 and len(data) >= 18:  # a tag left in the frame
            vid = struct.unpack("!H", data[14:16])[0] & 0xFFF
            ethertype, payload = struct.unpack("!H", data[16:18])[0], data[18:]
        if vid not in table:
            continue
        ip = table[vid]
        dst, out = data[6:12], None
        if ethertype == 0x0806:
            r = arp_reply(mac, ip, payload)
            if r:
                dst, ethertype_out, body = r
                out = (ethertype_out, body)
        elif ethertype == 0x0800:
            out = icmp_reply(ip, payload)
        if out:
            frame = dst + mac + struct.pack("!HHH", 0x8100, vid, out[0]) + out[1]
            s.send(frame)


if __name__ == "__main__":
    main()
