/**
 * Ready-to-paste configurations for the DynDNS2 clients a device can run, filled in for one
 * device. The portal shows them next to the token (shown once); docs/ddns.md shows the same
 * templates; e2e/ddns.spec.ts runs the real ddclient and inadyn with them, so what people paste
 * is what is tested. Pure functions: no secrets are stored or logged here.
 *
 * The address a client reports comes from Knockgate itself (`/nic/checkip`), so no third-party
 * "what is my IP" service learns about the device.
 */

export type ClientConfigInput = {
  /** Knockgate's public base URL, e.g. https://knock.example.net (a port is kept). */
  baseUrl: string;
  username: string;
  token: string;
  hostname: string;
  /**
   * How often the client should update even without a change, so the grant (which lasts the
   * policy's maximum) is refreshed before it runs out.
   */
  refreshSeconds: number;
};

type Url = { secure: boolean; hostPort: string; origin: string };

function parseBase(baseUrl: string): Url {
  const url = new URL(baseUrl);
  return { secure: url.protocol === 'https:', hostPort: url.host, origin: url.origin };
}

/** How often to look for a new address: every 5 minutes, or more often for short grants. */
function checkEverySeconds(refreshSeconds: number) {
  return Math.max(30, Math.min(300, Math.floor(refreshSeconds / 4)));
}

export function refreshSecondsFor(maxDurationSeconds: number): number {
  // Half the grant's lifetime: one lost update still leaves time for the next.
  return Math.max(60, Math.floor(maxDurationSeconds / 2));
}

/**
 * ddclient (3.10, as in Debian 12, and later). `ipv4Command` replaces the address lookup with a
 * program's output (tests, or a script that reads a router's interface): ddclient runs it without
 * a shell, so it is the path of an executable, without arguments.
 *
 * The address source is the classic `use=` setting on purpose: ddclient 3.10's dyndns2 updater
 * records its result only for `use=`, so with `usev4=` every later run takes the last update for a
 * failure and waits `min-error-interval` (5 minutes) before it moves the grant.
 */
export function ddclientConfig(input: ClientConfigInput & { ipv4Command?: string }): string {
  const base = parseBase(input.baseUrl);
  const source = input.ipv4Command
    ? `use=cmd, cmd=${input.ipv4Command}`
    : `use=web, web=${base.origin}/nic/checkip`;
  return [
    `# ddclient.conf — Knockgate device ${input.hostname}`,
    `daemon=${checkEverySeconds(input.refreshSeconds)}`,
    `ssl=${base.secure ? 'yes' : 'no'}`,
    source,
    'protocol=dyndns2',
    `server=${base.hostPort}`,
    'script=/nic/update',
    `max-interval=${input.refreshSeconds}`,
    `login=${input.username}`,
    `password='${input.token}'`,
    input.hostname,
    '',
  ].join('\n');
}

/** inadyn (2.x), as a custom provider. `checkipCommand` replaces the address lookup. */
export function inadynConfig(input: ClientConfigInput & { checkipCommand?: string }): string {
  const base = parseBase(input.baseUrl);
  const lookup = input.checkipCommand
    ? [`    checkip-command = "${input.checkipCommand}"`]
    : [
        `    checkip-server  = ${base.hostPort}`,
        '    checkip-path    = /nic/checkip',
        `    checkip-ssl     = ${base.secure}`,
      ];
  return [
    `# inadyn.conf — Knockgate device ${input.hostname}`,
    `period        = ${checkEverySeconds(input.refreshSeconds)}`,
    `forced-update = ${input.refreshSeconds}`,
    '',
    'custom knockgate {',
    `    ssl             = ${base.secure}`,
    `    username        = ${input.username}`,
    `    password        = ${input.token}`,
    `    ddns-server     = ${base.hostPort}`,
    '    ddns-path       = "/nic/update?hostname=%h&myip=%i"',
    ...lookup,
    `    hostname        = ${input.hostname}`,
    '}',
    '',
  ].join('\n');
}

/**
 * A RouterOS v7 script run by the scheduler: without `myip`, Knockgate takes the address the
 * router's request comes from, which is the router's public address.
 */
export function routerOsScript(input: ClientConfigInput): string {
  const base = parseBase(input.baseUrl);
  const every = checkEverySeconds(input.refreshSeconds);
  const url = `${base.origin}/nic/update?hostname=${input.hostname}`;
  return [
    `# RouterOS v7 — Knockgate device ${input.hostname}`,
    '/system script add name=knockgate-ddns policy=read,write,policy,test source={',
    `  :local result [/tool fetch url="${url}" user="${input.username}" password="${input.token}" ${base.secure ? 'check-certificate=yes ' : ''}output=user as-value]`,
    '  :local answer ($result->"data")',
    '  :if ([:pick $answer 0 4] = "good" || [:pick $answer 0 5] = "nochg") do={',
    '    :log info "knockgate: $answer"',
    '  } else={',
    '    :log warning "knockgate: $answer"',
    '  }',
    '}',
    `/system scheduler add name=knockgate-ddns interval=${every}s on-event=knockgate-ddns start-time=startup`,
    '',
  ].join('\n');
}

/** One update by hand (or from cron): the caller's own address, or `myip=` for another. */
export function curlCommand(input: Omit<ClientConfigInput, 'refreshSeconds'>): string {
  const base = parseBase(input.baseUrl);
  return `curl -fsS -u '${input.username}:${input.token}' '${base.origin}/nic/update?hostname=${input.hostname}'`;
}
