/**
 * `npm run sim`: a standalone simulated RouterOS. With no arguments it is a fresh router: API on
 * 127.0.0.1:8728, API-SSL on 127.0.0.1:8729, user admin with an empty password, RouterOS 7.18 (with
 * `!empty`), admin socket on 127.0.0.1:8730. See docs/simulator.md.
 *
 *   npm run sim -- --api-port 0 --api-ssl-port off --version 6.49 --user knock:secret:api,read,write
 *   npm run sim -- admin --port 8730 fault '{"latencyMs":200}'
 */
import { parseArgs } from 'node:util';
import { adminRequest, startAdminServer } from './admin';
import { CLI_OPTIONS, resolveCliOptions } from './cli-options';
import { startSimulator } from './server';

const HELP = `Usage: npm run sim -- [options]
       npm run sim -- admin [--port 8730] <command> [args]

Options (defaults behave like a fresh RouterOS 7.18):
  --host ADDR            listen address, loopback only (127.0.0.1)
  --api-port N           API port (8728; 0 = any free port)
  --api-ssl-port N|off   API-SSL port (8729)
  --admin-port N|off     admin socket port (8730)
  --version X.Y          RouterOS version to behave like: 6.49, 7.15, 7.18 (7.18)
  --legacy-login         answer the pre-6.43 MD5 challenge (default only for 6.x)
  --user NAME:PASS[:POLICIES]   user (repeatable; replaces admin). POLICIES e.g. api,read,write
  --identity NAME        /system/identity name (MikroTik)
  --list LIST:ADDR[:TIMEOUT[:COMMENT]]   address-list entry at start (repeatable)
  --dns NAME=ADDR[,ADDR] resolver answer for a DNS-name entry (repeatable)
  --dns-refresh-ms N     re-resolve DNS-name entries every N ms (60000; 0 = never)
  --cert FILE --key FILE PEM certificate for API-SSL (self-signed otherwise)
  --manual-clock         router clock moves only by the admin "advance" command
  --knock-listen         listen on 127.0.0.1 (TCP+UDP) on the ports the firewall rules name and
                         run what arrives through the firewall engine (real knocks)
  --service PORT         with --knock-listen: a TCP service of the router (the protected port),
                         answering only connections the firewall accepts (repeatable)
  --knock-port P[-Q][:tcp|udp]   with --knock-listen: more ports to listen on, e.g. a range a
                         port sweep covers (repeatable)
  --config FILE          JSON with any of the options above (camelCase keys)

Admin commands: state | fault JSON | reset-faults | reboot [DOWN_MS] | dns NAME [ADDR...]
                refresh-dns | advance MS | seed LIST COUNT | version X.Y
                firewall-reset [LIST...] | packet JSON | knock-events`;

async function admin(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { port: { type: 'string', default: '8730' }, host: { type: 'string', default: '127.0.0.1' } },
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  const port = Number(values.port);
  let request: { op: string; [k: string]: unknown };
  switch (command) {
    case 'state':
    case 'reset-faults':
    case 'refresh-dns':
      request = { op: command };
      break;
    case 'fault':
      request = { op: 'faults', set: JSON.parse(rest[0] ?? '{}') };
      break;
    case 'reboot':
      request = { op: 'reboot', downMs: Number(rest[0] ?? 0) };
      break;
    case 'dns':
      request = { op: 'dns', name: rest[0], addresses: rest.slice(1) };
      break;
    case 'advance':
      request = { op: 'advance', ms: Number(rest[0] ?? 0) };
      break;
    case 'seed':
      request = { op: 'seed', list: rest[0] ?? 'bulk', count: Number(rest[1] ?? 0) };
      break;
    case 'version':
      request = { op: 'version', version: rest[0] };
      break;
    case 'firewall-reset':
      request = rest.length > 0 ? { op: 'firewall-reset', lists: rest } : { op: 'firewall-reset' };
      break;
    case 'packet':
      request = { op: 'packet', packet: JSON.parse(rest[0] ?? '{}') };
      break;
    case 'knock-events':
      request = { op: 'knock-events' };
      break;
    default:
      process.stderr.write(`${HELP}\n`);
      process.exit(2);
  }
  const result = await adminRequest(port, request, values.host);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: CLI_OPTIONS });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const resolved = resolveCliOptions(values);
  const sim = await startSimulator(resolved.simulator);
  const adminServer =
    resolved.adminPort === null
      ? null
      : await startAdminServer(sim, {
          host: sim.host,
          port: resolved.adminPort,
          setDns: resolved.resolver.set,
        });
  const refresher =
    resolved.dnsRefreshMs > 0 ? setInterval(() => void sim.refreshDns(), resolved.dnsRefreshMs) : null;
  const users = resolved.simulator.users;

  // One JSON line on stdout so a parent process can read the ports (they may be ephemeral).
  process.stdout.write(
    `${JSON.stringify({
      event: 'listening',
      host: sim.host,
      apiPort: sim.apiPort,
      apiSslPort: sim.apiSslPort,
      adminPort: adminServer?.port ?? null,
      version: sim.state.version.text,
      fingerprint256: sim.certificate?.fingerprint256 ?? null,
      knock: sim.knock ? sim.knock.report() : null,
    })}\n`,
  );
  process.stderr.write(
    `RouterOS ${sim.state.version.text} simulator: API ${sim.host}:${sim.apiPort}` +
      `${sim.apiSslPort === null ? '' : `, API-SSL ${sim.host}:${sim.apiSslPort}`}` +
      `${adminServer ? `, admin ${sim.host}:${adminServer.port}` : ''}; users: ${(users ?? [{ name: 'admin' }]).map((u) => u.name).join(', ')}\n`,
  );
  const stop = async () => {
    if (refresher) clearInterval(refresher);
    await adminServer?.close();
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  if (process.env.KNOCKGATE_SIM_EXIT_WITH_STDIN === '1') {
    // Started by a parent process (sim/process.ts): its end closes our stdin.
    process.stdin.once('end', () => void stop());
    process.stdin.once('error', () => void stop());
    process.stdin.resume();
  }
}

const argv = process.argv.slice(2);
const run = argv[0] === 'admin' ? admin(argv.slice(1)) : serve(argv);
run.catch((error: Error) => {
  process.stderr.write(`sim: ${error.message}\n`);
  process.exit(1);
});
