# Knockgate knock profile hardened-ssh: Hardened: psd, decoys, raw blacklist, WAN only
# Sequence: 1) TCP port 2022, 2) UDP port 9090, 3) TCP port 4022 -> tcp/22,8291 on the router for 1h.
# Every rule is tagged knockgate-profile:hardened-ssh:<n>; Knockgate's apply and remove touch only those.
# Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,
# move these rules above it (Knockgate's apply places them there itself).
#
# Checked by hand against the seed's good practices: 1 established/related accepted first; 6 the
# blacklist dropped in /ip firewall raw (prerouting, before connection tracking); 7 port-scan
# protection: psd=21,3s,3,1 and the decoy ports next to the real ones add the source to the
# blacklist, so a sweep or a wrong knock locks it out for a day; every rule is limited to the WAN
# interface list so the final drop never cuts the LAN off. SSH (22) and Winbox (8291) are protected.
/ip firewall raw
add action=drop chain=prerouting comment=knockgate-profile:hardened-ssh:1 in-interface-list=WAN src-address-list=knock-blacklist
/ip firewall filter
add action=accept chain=input comment=knockgate-profile:hardened-ssh:2 connection-state=established,related
add action=add-src-to-address-list address-list=knock-blacklist address-list-timeout=1d chain=input comment=knockgate-profile:hardened-ssh:3 in-interface-list=WAN protocol=tcp psd=21,3s,3,1
add action=add-src-to-address-list address-list=knock-blacklist address-list-timeout=1d chain=input comment=knockgate-profile:hardened-ssh:4 in-interface-list=WAN protocol=udp psd=21,3s,3,1
add action=add-src-to-address-list address-list=knock-blacklist address-list-timeout=1d chain=input comment=knockgate-profile:hardened-ssh:5 dst-port=2021,2023 in-interface-list=WAN protocol=tcp
add action=add-src-to-address-list address-list=knock-blacklist address-list-timeout=1d chain=input comment=knockgate-profile:hardened-ssh:6 dst-port=9091 in-interface-list=WAN protocol=udp
add action=add-src-to-address-list address-list=ssh-allowed address-list-timeout=1h chain=input comment=knockgate-profile:hardened-ssh:7 dst-port=4022 in-interface-list=WAN protocol=tcp src-address-list=ssh-knock-2
add action=add-src-to-address-list address-list=ssh-knock-2 address-list-timeout=10s chain=input comment=knockgate-profile:hardened-ssh:8 dst-port=9090 in-interface-list=WAN protocol=udp src-address-list=ssh-knock-1
add action=add-src-to-address-list address-list=ssh-knock-1 address-list-timeout=10s chain=input comment=knockgate-profile:hardened-ssh:9 dst-port=2022 in-interface-list=WAN protocol=tcp
add action=accept chain=input comment=knockgate-profile:hardened-ssh:10 dst-port=22,8291 in-interface-list=WAN protocol=tcp src-address-list=ssh-allowed
add action=drop chain=input comment=knockgate-profile:hardened-ssh:11 in-interface-list=WAN
