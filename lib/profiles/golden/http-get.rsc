# Knockgate knock profile seed-http-get: Seed: HTTP GET /mikrotik as the middle step
# Sequence: 1) UDP port 9090, 2) HTTP GET /mikrotik on port 80, 3) TCP port 4022 -> tcp/22 on the router for 1h.
# Every rule is tagged knockgate-profile:seed-http-get:<n>; Knockgate's apply and remove touch only those.
# Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,
# move these rules above it (Knockgate's apply places them there itself).
#
# Checked by hand against the seed slide "Data in an HTTP GET request": http://<router>/mikrotik is
# matched "by the same logic" with content=, here content="GET /mikrotik HTTP/" on tcp/80 (the
# trailing " HTTP/" pins the exact path). The slide notes it needs extra logic: the request travels
# in an established connection, so this rule comes before the established/related accept, and the
# TCP handshake on port 80 is accepted only from sources that passed step 1 (a web service must
# listen on port 80 of the router for the GET to be sent at all).
/ip firewall filter
add action=add-src-to-address-list address-list=web-knock-2 address-list-timeout=15s chain=input comment=knockgate-profile:seed-http-get:1 content="GET /mikrotik HTTP/" dst-port=80 protocol=tcp src-address-list=web-knock-1
add action=accept chain=input comment=knockgate-profile:seed-http-get:2 connection-state=established,related
add action=add-src-to-address-list address-list=ssh-allowed address-list-timeout=1h chain=input comment=knockgate-profile:seed-http-get:3 dst-port=4022 protocol=tcp src-address-list=web-knock-2
add action=add-src-to-address-list address-list=web-knock-1 address-list-timeout=15s chain=input comment=knockgate-profile:seed-http-get:4 dst-port=9090 protocol=udp
add action=accept chain=input comment=knockgate-profile:seed-http-get:5 connection-state=new dst-port=80 protocol=tcp src-address-list=web-knock-1
add action=accept chain=input comment=knockgate-profile:seed-http-get:6 dst-port=22 protocol=tcp src-address-list=ssh-allowed
add action=drop chain=input comment=knockgate-profile:seed-http-get:7
