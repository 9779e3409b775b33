/**
 * The seed slides' knock designs as profiles: starting points in the editor ("start from an
 * example") and the sources of the golden .rsc files. Host-independent; 192.168.88.x is the
 * RouterOS default LAN the slides use.
 */
import type { ProfileInput } from './model';

export type SeedProfile = {
  /** File name under lib/profiles/golden/. */
  golden: string;
  profile: ProfileInput;
  /** What a reviewer checked against the slides; written at the top of the golden file. */
  review: string[];
};

const sequence = [
  { kind: 'tcp', port: 2022 },
  { kind: 'udp', port: 9090 },
  { kind: 'tcp', port: 4022 },
] as const satisfies ProfileInput['steps'];

export const SEED_PROFILES: readonly SeedProfile[] = [
  {
    golden: 'tcp-udp-sequence.rsc',
    profile: {
      id: 'seed-ssh',
      name: 'Seed: TCP/UDP sequence protecting SSH',
      steps: [...sequence],
      defaultGap: '15s',
      stageListPrefix: 'ssh-knock',
      finalList: 'ssh-allowed',
      finalTimeout: '1h',
      service: { kind: 'router', protocol: 'tcp', ports: [22] },
      options: { acceptEstablished: true, finalDrop: 'all' },
      notOnlyLayerAcknowledged: true,
    },
    review: [
      'Checked by hand against the seed slides "TCP/UDP port knocking": three rules in chain input, each',
      'watching one port (2022/tcp, 9090/udp, 4022/tcp) and adding the sender to a list with a timeout,',
      'each next rule also requiring the previous list; one rule accepting port 22 only for the last list;',
      'one rule accepting established and related connections; the last rule dropping the rest.',
      'Client (slide "Client (CLI)"): knock <router> 2022:tcp 9090:udp 4022:tcp',
      'Knockgate lists the knock rules last step first so that one packet never passes two steps.',
    ],
  },
  {
    golden: 'icmp-size.rsc',
    profile: {
      id: 'seed-icmp-size',
      name: 'Seed: ICMP packet size as the middle step',
      steps: [
        { kind: 'tcp', port: 2022 },
        { kind: 'icmp-size', payloadSize: 692 },
        { kind: 'tcp', port: 4022 },
      ],
      defaultGap: '15s',
      stageListPrefix: 'ping-knock',
      finalList: 'ssh-allowed',
      finalTimeout: '1h',
      service: { kind: 'router', protocol: 'tcp', ports: [22] },
      options: { acceptEstablished: true, finalDrop: 'all', customChains: true },
      notOnlyLayerAcknowledged: true,
    },
    review: [
      'Checked by hand against the seed slide "Ping (ICMP)": ping -s 692 (Linux) / -l 692 (Windows) sends',
      'a 692-byte payload, so the packet is 692 + 20 (IP header) + 8 (ICMP header) = 720 bytes and the',
      'filter matches protocol=icmp packet-size=720. It is the middle step (good practice 9: do not start',
      'with ICMP) and lives in its own chain (good practice 3: custom chains for ICMP), reached by a jump.',
      'icmp-options=8:0 limits it to echo requests.',
    ],
  },
  {
    golden: 'icmp-payload.rsc',
    profile: {
      id: 'seed-icmp-payload',
      name: 'Seed: ICMP payload pattern "mikrotik"',
      steps: [
        { kind: 'tcp', port: 2022 },
        { kind: 'icmp-pattern', pattern: 'mikrotik' },
        { kind: 'tcp', port: 4022 },
      ],
      defaultGap: '15s',
      stageListPrefix: 'pattern-knock',
      finalList: 'ssh-allowed',
      finalTimeout: '1h',
      service: { kind: 'router', protocol: 'tcp', ports: [22] },
      options: { acceptEstablished: true, finalDrop: 'all', customChains: true },
      notOnlyLayerAcknowledged: true,
    },
    review: [
      'Checked by hand against the seed slides "Ping (ICMP)" and "ICMP (Port Ping Knocking)": the client',
      'sends ping -p 6d696b726f74696b ("mikrotik" in hex); the router defines a layer7-protocol with',
      'regexp=mikrotik and a filter rule with protocol=icmp layer7-protocol=<that name> adds the sender',
      'to a list, requiring the previous list like every next step. The layer7 name is per profile',
      '(the slide calls it "ICMP pattern"); the rule sits in the custom ICMP chain (good practice 3).',
    ],
  },
  {
    golden: 'http-get.rsc',
    profile: {
      id: 'seed-http-get',
      name: 'Seed: HTTP GET /mikrotik as the middle step',
      steps: [
        { kind: 'udp', port: 9090 },
        { kind: 'http-get', port: 80, path: '/mikrotik' },
        { kind: 'tcp', port: 4022 },
      ],
      defaultGap: '15s',
      stageListPrefix: 'web-knock',
      finalList: 'ssh-allowed',
      finalTimeout: '1h',
      service: { kind: 'router', protocol: 'tcp', ports: [22] },
      options: { acceptEstablished: true, finalDrop: 'all' },
      notOnlyLayerAcknowledged: true,
    },
    review: [
      'Checked by hand against the seed slide "Data in an HTTP GET request": http://<router>/mikrotik is',
      'matched "by the same logic" with content=, here content="GET /mikrotik HTTP/" on tcp/80 (the',
      'trailing " HTTP/" pins the exact path). The slide notes it needs extra logic: the request travels',
      'in an established connection, so this rule comes before the established/related accept, and the',
      'TCP handshake on port 80 is accepted only from sources that passed step 1 (a web service must',
      'listen on port 80 of the router for the GET to be sent at all).',
    ],
  },
  {
    golden: 'dstnat-forward.rsc',
    profile: {
      id: 'seed-dstnat',
      name: 'Seed: knock before a forwarded service (dstnat)',
      steps: [...sequence],
      defaultGap: '15s',
      stageListPrefix: 'rdp-knock',
      finalList: 'rdp-allowed',
      finalTimeout: '2h',
      service: { kind: 'dstnat', protocol: 'tcp', port: 3389, toAddress: '192.168.88.10', toPort: 3389 },
      scope: { inInterfaceList: 'WAN' },
      options: { acceptEstablished: true, finalDrop: 'service' },
      notOnlyLayerAcknowledged: true,
    },
    review: [
      'Checked by hand against the seed slides "Port forwarding" and good practice 5: access to a',
      'forwarded port is controlled with address lists in /ip firewall nat: the dstnat rule only applies',
      'to sources on the final list, so anyone else reaches the router itself on 3389, where it is',
      'dropped. The knock rules are those of the TCP/UDP sequence, limited to the WAN interface list.',
    ],
  },
  {
    golden: 'forward-filter.rsc',
    profile: {
      id: 'seed-forward',
      name: 'Seed: knock before a forwarded service (filter chain forward)',
      steps: [...sequence],
      defaultGap: '15s',
      stageListPrefix: 'web-knock',
      finalList: 'web-allowed',
      finalTimeout: '8h',
      service: { kind: 'forward', protocol: 'tcp', port: 8080, toAddress: '192.168.88.20', toPort: 80 },
      scope: { inInterfaceList: 'WAN' },
      options: { acceptEstablished: true, finalDrop: 'service' },
      notOnlyLayerAcknowledged: true,
    },
    review: [
      'Checked by hand against the seed slides "Port forwarding" and good practice 5, the filter way:',
      'the dstnat 8080 -> 192.168.88.20:80 applies to everyone, and /ip firewall filter chain forward',
      'accepts the forwarded connection only for the final list and drops it for the rest',
      "(connection-nat-state=dstnat keeps the LAN's own traffic to that host out of it).",
    ],
  },
  {
    golden: 'hardened.rsc',
    profile: {
      id: 'hardened-ssh',
      name: 'Hardened: psd, decoys, raw blacklist, WAN only',
      steps: [...sequence],
      defaultGap: '10s',
      stageListPrefix: 'ssh-knock',
      finalList: 'ssh-allowed',
      finalTimeout: '1h',
      service: { kind: 'router', protocol: 'tcp', ports: [22, 8291] },
      scope: { inInterfaceList: 'WAN' },
      options: {
        acceptEstablished: true,
        finalDrop: 'all',
        blacklist: { list: 'knock-blacklist', timeout: '1d' },
        psd: { weightThreshold: 21, delayThreshold: '3s', lowPortWeight: 3, highPortWeight: 1 },
        decoys: [
          { port: 2021, protocol: 'tcp' },
          { port: 2023, protocol: 'tcp' },
          { port: 9091, protocol: 'udp' },
        ],
        rawBlacklist: true,
      },
      notOnlyLayerAcknowledged: true,
    },
    review: [
      "Checked by hand against the seed's good practices: 1 established/related accepted first; 6 the",
      'blacklist dropped in /ip firewall raw (prerouting, before connection tracking); 7 port-scan',
      'protection: psd=21,3s,3,1 and the decoy ports next to the real ones add the source to the',
      'blacklist, so a sweep or a wrong knock locks it out for a day; every rule is limited to the WAN',
      'interface list so the final drop never cuts the LAN off. SSH (22) and Winbox (8291) are protected.',
    ],
  },
];
