# Knockgate knock profile seed-icmp-size: Seed: ICMP packet size as the middle step
# Sequence: 1) TCP port 2022, 2) ping -s 692 (packet-size 720), 3) TCP port 4022 -> tcp/22 on the router for 1h.
# Every rule is tagged knockgate-profile:seed-icmp-size:<n>; Knockgate's apply and remove touch only those.
# Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,
# move these rules above it (Knockgate's apply places them there itself).
#
# Checked by hand against the seed slide "Ping (ICMP)": ping -s 692 (Linux) / -l 692 (Windows) sends
# a 692-byte payload, so the packet is 692 + 20 (IP header) + 8 (ICMP header) = 720 bytes and the
# filter matches protocol=icmp packet-size=720. It is the middle step (good practice 9: do not start
# with ICMP) and lives in its own chain (good practice 3: custom chains for ICMP), reached by a jump.
# icmp-options=8:0 limits it to echo requests.
/ip firewall filter
add action=accept chain=input comment=knockgate-profile:seed-icmp-size:1 connection-state=established,related
add action=add-src-to-address-list address-list=ssh-allowed address-list-timeout=1h chain=input comment=knockgate-profile:seed-icmp-size:2 dst-port=4022 protocol=tcp src-address-list=ping-knock-2
add action=add-src-to-address-list address-list=ping-knock-1 address-list-timeout=15s chain=input comment=knockgate-profile:seed-icmp-size:3 dst-port=2022 protocol=tcp
add action=jump chain=input comment=knockgate-profile:seed-icmp-size:4 jump-target=ping-knock-icmp protocol=icmp
add action=accept chain=input comment=knockgate-profile:seed-icmp-size:5 dst-port=22 protocol=tcp src-address-list=ssh-allowed
add action=drop chain=input comment=knockgate-profile:seed-icmp-size:6
add action=add-src-to-address-list address-list=ping-knock-2 address-list-timeout=15s chain=ping-knock-icmp comment=knockgate-profile:seed-icmp-size:7 icmp-options=8:0 packet-size=720 protocol=icmp src-address-list=ping-knock-1
