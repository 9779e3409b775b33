# Knockgate knock profile seed-forward: Seed: knock before a forwarded service (filter chain forward)
# Sequence: 1) TCP port 2022, 2) UDP port 9090, 3) TCP port 4022 -> tcp/8080 forwarded to 192.168.88.20:80 (filter forward) for 8h.
# Every rule is tagged knockgate-profile:seed-forward:<n>; Knockgate's apply and remove touch only those.
# Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,
# move these rules above it (Knockgate's apply places them there itself).
#
# Checked by hand against the seed slides "Port forwarding" and good practice 5, the filter way:
# the dstnat 8080 -> 192.168.88.20:80 applies to everyone, and /ip firewall filter chain forward
# accepts the forwarded connection only for the final list and drops it for the rest
# (connection-nat-state=dstnat keeps the LAN's own traffic to that host out of it).
/ip firewall filter
add action=accept chain=input comment=knockgate-profile:seed-forward:1 connection-state=established,related
add action=add-src-to-address-list address-list=web-allowed address-list-timeout=8h chain=input comment=knockgate-profile:seed-forward:2 dst-port=4022 in-interface-list=WAN protocol=tcp src-address-list=web-knock-2
add action=add-src-to-address-list address-list=web-knock-2 address-list-timeout=15s chain=input comment=knockgate-profile:seed-forward:3 dst-port=9090 in-interface-list=WAN protocol=udp src-address-list=web-knock-1
add action=add-src-to-address-list address-list=web-knock-1 address-list-timeout=15s chain=input comment=knockgate-profile:seed-forward:4 dst-port=2022 in-interface-list=WAN protocol=tcp
add action=accept chain=forward comment=knockgate-profile:seed-forward:5 connection-state=established,related
add action=accept chain=forward comment=knockgate-profile:seed-forward:6 connection-nat-state=dstnat dst-address=192.168.88.20 dst-port=80 in-interface-list=WAN protocol=tcp src-address-list=web-allowed
add action=drop chain=forward comment=knockgate-profile:seed-forward:7 connection-nat-state=dstnat dst-address=192.168.88.20 dst-port=80 in-interface-list=WAN protocol=tcp
/ip firewall nat
add action=dst-nat chain=dstnat comment=knockgate-profile:seed-forward:8 dst-port=8080 in-interface-list=WAN protocol=tcp to-addresses=192.168.88.20 to-ports=80
