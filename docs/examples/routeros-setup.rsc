# Knockgate: RouterOS preparation (RouterOS 7; 6.43+ works the same way).
# Replace the three values below, upload the file (Files, or scp) and run: /import routeros-setup.rsc
# (Pasted into a terminal line by line it would not work: each line has its own :local scope.)
:local knockgateServer "192.0.2.10"
:local apiPassword "CHANGE-ME-long-random"
:local routerName "gw.example.net"

# 1. A dedicated API user that may do exactly what Knockgate needs: api, read, write.
/user group add name=knockgate policy=api,read,write comment="Knockgate: address lists and knock rules"
/user add name=knockgate group=knockgate password=$apiPassword address=($knockgateServer . "/32") comment="Knockgate"

# 2. API-SSL with a certificate of its own (pin its SHA-256 fingerprint in Knockgate).
/certificate add name=knockgate-ca common-name=knockgate-ca key-usage=key-cert-sign,crl-sign days-valid=3650
/certificate sign knockgate-ca
/certificate add name=knockgate-api common-name=$routerName days-valid=3650
/certificate sign knockgate-api ca=knockgate-ca
/ip service set api-ssl disabled=no port=8729 certificate=knockgate-api address=($knockgateServer . "/32")
# Plain API off: passwords and entries would cross the network in the clear.
/ip service set api disabled=yes
# Print the fingerprint to paste into Admin > Routers > Certificate fingerprint:
/certificate print detail where name=knockgate-api

# 3. Accept what Knockgate (and classic knocks) put on the list, before the final drop.
#    Protected here: SSH (22) and Winbox (8291) on the router itself.
:local drop [/ip firewall filter find where chain=input action=drop]
:if ([:len $drop] > 0) do={
  /ip firewall filter add chain=input protocol=tcp dst-port=22,8291 src-address-list=knockgate action=accept \
    comment="Knockgate: signed-in users" place-before=[:pick $drop 0]
} else={
  /ip firewall filter add chain=input protocol=tcp dst-port=22,8291 src-address-list=knockgate action=accept \
    comment="Knockgate: signed-in users"
  :put "No final drop rule in chain input: add one (good practice), or this rule protects nothing."
}
:local drop6 [/ipv6 firewall filter find where chain=input action=drop]
:if ([:len $drop6] > 0) do={
  /ipv6 firewall filter add chain=input protocol=tcp dst-port=22,8291 src-address-list=knockgate action=accept \
    comment="Knockgate: signed-in users" place-before=[:pick $drop6 0]
} else={
  /ipv6 firewall filter add chain=input protocol=tcp dst-port=22,8291 src-address-list=knockgate action=accept \
    comment="Knockgate: signed-in users"
}

# A forwarded service instead (the seed's "port forwarding"): only listed sources reach it.
# /ip firewall nat add chain=dstnat in-interface=ether1 protocol=tcp dst-port=3389 src-address-list=knockgate \
#   action=dst-nat to-addresses=192.168.88.20 to-ports=3389 comment="Knockgate: RDP for signed-in users"
