# Knockgate knock profile seed-icmp-payload: Seed: ICMP payload pattern "mikrotik"
# Sequence: 1) TCP port 2022, 2) ping -p 6d696b726f74696b ("mikrotik"), 3) TCP port 4022 -> tcp/22 on the router for 1h.
# Every rule is tagged knockgate-profile:seed-icmp-payload:<n>; Knockgate's apply and remove touch only those.
# Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,
# move these rules above it (Knockgate's apply places them there itself).
#
# Checked by hand against the seed slides "Ping (ICMP)" and "ICMP (Port Ping Knocking)": the client
# sends ping -p 6d696b726f74696b ("mikrotik" in hex); the router defines a layer7-protocol with
# regexp=mikrotik and a filter rule with protocol=icmp layer7-protocol=<that name> adds the sender
# to a list, requiring the previous list like every next step. The layer7 name is per profile
# (the slide calls it "ICMP pattern"); the rule sits in the custom ICMP chain (good practice 3).
/ip firewall layer7-protocol
add comment=knockgate-profile:seed-icmp-payload:1 name=pattern-knock-l7-2 regexp=mikrotik
/ip firewall filter
add action=accept chain=input comment=knockgate-profile:seed-icmp-payload:2 connection-state=established,related
add action=add-src-to-address-list address-list=ssh-allowed address-list-timeout=1h chain=input comment=knockgate-profile:seed-icmp-payload:3 dst-port=4022 protocol=tcp src-address-list=pattern-knock-2
add action=add-src-to-address-list address-list=pattern-knock-1 address-list-timeout=15s chain=input comment=knockgate-profile:seed-icmp-payload:4 dst-port=2022 protocol=tcp
add action=jump chain=input comment=knockgate-profile:seed-icmp-payload:5 jump-target=pattern-knock-icmp protocol=icmp
add action=accept chain=input comment=knockgate-profile:seed-icmp-payload:6 dst-port=22 protocol=tcp src-address-list=ssh-allowed
add action=drop chain=input comment=knockgate-profile:seed-icmp-payload:7
add action=add-src-to-address-list address-list=pattern-knock-2 address-list-timeout=15s chain=pattern-knock-icmp comment=knockgate-profile:seed-icmp-payload:8 icmp-options=8:0 layer7-protocol=pattern-knock-l7-2 protocol=icmp src-address-list=pattern-knock-1
