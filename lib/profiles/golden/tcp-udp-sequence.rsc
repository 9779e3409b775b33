# Knockgate knock profile seed-ssh: Seed: TCP/UDP sequence protecting SSH
# Sequence: 1) TCP port 2022, 2) UDP port 9090, 3) TCP port 4022 -> tcp/22 on the router for 1h.
# Every rule is tagged knockgate-profile:seed-ssh:<n>; Knockgate's apply and remove touch only those.
# Pasting appends each rule at the end of its table: if chain input already ends in a drop rule,
# move these rules above it (Knockgate's apply places them there itself).
#
# Checked by hand against the seed slides "TCP/UDP port knocking": three rules in chain input, each
# watching one port (2022/tcp, 9090/udp, 4022/tcp) and adding the sender to a list with a timeout,
# each next rule also requiring the previous list; one rule accepting port 22 only for the last list;
# one rule accepting established and related connections; the last rule dropping the rest.
# Client (slide "Client (CLI)"): knock <router> 2022:tcp 9090:udp 4022:tcp
# Knockgate lists the knock rules last step first so that one packet never passes two steps.
/ip firewall filter
add action=accept chain=input comment=knockgate-profile:seed-ssh:1 connection-state=established,related
add action=add-src-to-address-list address-list=ssh-allowed address-list-timeout=1h chain=input comment=knockgate-profile:seed-ssh:2 dst-port=4022 protocol=tcp src-address-list=ssh-knock-2
add action=add-src-to-address-list address-list=ssh-knock-2 address-list-timeout=15s chain=input comment=knockgate-profile:seed-ssh:3 dst-port=9090 protocol=udp src-address-list=ssh-knock-1
add action=add-src-to-address-list address-list=ssh-knock-1 address-list-timeout=15s chain=input comment=knockgate-profile:seed-ssh:4 dst-port=2022 protocol=tcp
add action=accept chain=input comment=knockgate-profile:seed-ssh:5 dst-port=22 protocol=tcp src-address-list=ssh-allowed
add action=drop chain=input comment=knockgate-profile:seed-ssh:6
