# Knockgate knock profile seed-dstnat: Seed: knock before a forwarded service (dstnat)
# Sequence: 1) TCP port 2022, 2) UDP port 9090, 3) TCP port 4022 -> tcp/3389 forwarded to 192.168.88.10:3389 (dstnat) for 2h.
# Every rule is tagged knockgate-profile:seed-dstnat:<n>; Knockgate's apply and remove touch only those.
# Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,
# move these rules above it (Knockgate's apply places them there itself).
#
# Checked by hand against the seed slides "Port forwarding" and good practice 5: access to a
# forwarded port is controlled with address lists in /ip firewall nat: the dstnat rule only applies
# to sources on the final list, so anyone else reaches the router itself on 3389, where it is
# dropped. The knock rules are those of the TCP/UDP sequence, limited to the WAN interface list.
/ip firewall filter
add action=accept chain=input comment=knockgate-profile:seed-dstnat:1 connection-state=established,related
add action=add-src-to-address-list address-list=rdp-allowed address-list-timeout=2h chain=input comment=knockgate-profile:seed-dstnat:2 dst-port=4022 in-interface-list=WAN protocol=tcp src-address-list=rdp-knock-2
add action=add-src-to-address-list address-list=rdp-knock-2 address-list-timeout=15s chain=input comment=knockgate-profile:seed-dstnat:3 dst-port=9090 in-interface-list=WAN protocol=udp src-address-list=rdp-knock-1
add action=add-src-to-address-list address-list=rdp-knock-1 address-list-timeout=15s chain=input comment=knockgate-profile:seed-dstnat:4 dst-port=2022 in-interface-list=WAN protocol=tcp
add action=drop chain=input comment=knockgate-profile:seed-dstnat:5 dst-port=3389 in-interface-list=WAN protocol=tcp
/ip firewall nat
add action=dst-nat chain=dstnat comment=knockgate-profile:seed-dstnat:6 dst-port=3389 in-interface-list=WAN protocol=tcp src-address-list=rdp-allowed to-addresses=192.168.88.10 to-ports=3389
