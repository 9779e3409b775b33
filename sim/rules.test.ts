import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawSession } from './raw-session';
import { type Simulator, startSimulator } from './server';

const FILTER = '/ip/firewall/filter';
let s: Simulator;
let r: RawSession;

beforeEach(async () => {
  s = await startSimulator({ apiSslPort: null });
  r = await RawSession.open(s.apiPort);
  await r.login();
});

afterEach(async () => {
  r.close();
  await s.close();
});

async function add(path: string, ...words: string[]): Promise<string> {
  const [reply] = await r.call([`${path}/add`, ...words]);
  if (reply?.[0] !== '!done') throw new Error(`add failed: ${JSON.stringify(reply)}`);
  return (reply[1] as string).replace('=ret=', '');
}

function chains(): string[] {
  return s
    .rules('filter')
    .list(s.state.ctx)
    .map((rule) => `${rule.attrs.chain}:${rule.attrs.comment ?? ''}`);
}

describe('firewall filter (the seed rules of a TCP/UDP knock)', () => {
  it('stores ordered rules with the seed attributes and prints them back', async () => {
    await add(
      FILTER,
      '=chain=input',
      '=connection-state=established,related',
      '=action=accept',
      '=comment=est',
    );
    await add(
      FILTER,
      '=chain=input',
      '=protocol=tcp',
      '=dst-port=2022',
      '=action=add-src-to-address-list',
      '=address-list=knock1',
      '=address-list-timeout=00:00:30',
      '=comment=k1',
    );
    await add(
      FILTER,
      '=chain=input',
      '=protocol=udp',
      '=dst-port=9090',
      '=src-address-list=knock1',
      '=action=add-src-to-address-list',
      '=address-list=knock2',
      '=address-list-timeout=30s',
      '=comment=k2',
    );
    await add(
      FILTER,
      '=chain=input',
      '=protocol=tcp',
      '=dst-port=22',
      '=src-address-list=knock2',
      '=comment=ssh',
    );
    await add(FILTER, '=chain=input', '=action=drop', '=comment=last');
    expect(chains()).toEqual(['input:est', 'input:k1', 'input:k2', 'input:ssh', 'input:last']);
    const rules = s.rules('filter').list(s.state.ctx);
    expect(rules[1]?.attrs).toMatchObject({
      'address-list-timeout': '30s',
      'dst-port': '2022',
      protocol: 'tcp',
    });
    expect(rules[3]?.attrs.action).toBe('accept');

    const printed = await r.call([`${FILTER}/print`, '?comment=k2']);
    expect(printed[0]).toEqual([
      '!re',
      '=.id=*3',
      '=chain=input',
      '=action=add-src-to-address-list',
      '=protocol=udp',
      '=dst-port=9090',
      '=src-address-list=knock1',
      '=address-list=knock2',
      '=address-list-timeout=30s',
      '=bytes=0',
      '=packets=0',
      '=invalid=false',
      '=dynamic=false',
      '=disabled=false',
      '=log=false',
      '=log-prefix=',
      '=comment=k2',
    ]);
  });

  it('place-before inserts, move reorders, disable/enable/set/remove change rows', async () => {
    const a = await add(FILTER, '=chain=input', '=comment=a');
    const b = await add(FILTER, '=chain=input', '=comment=b');
    await add(FILTER, '=chain=input', '=comment=first', `=place-before=${a}`);
    expect(chains()).toEqual(['input:first', 'input:a', 'input:b']);
    await r.call([`${FILTER}/move`, `=numbers=${b}`, `=destination=${a}`]);
    expect(chains()).toEqual(['input:first', 'input:b', 'input:a']);
    await r.call([`${FILTER}/move`, `=numbers=${b}`]);
    expect(chains()).toEqual(['input:first', 'input:a', 'input:b']);
    await r.call([`${FILTER}/disable`, `=numbers=${a}`]);
    expect(s.rules('filter').list(s.state.ctx)[1]?.disabled).toBe(true);
    await r.call([`${FILTER}/enable`, `=.id=${a}`]);
    expect(s.rules('filter').list(s.state.ctx)[1]?.disabled).toBe(false);
    await r.call([`${FILTER}/set`, `=.id=${a}`, '=action=drop']);
    expect(s.rules('filter').list(s.state.ctx)[1]?.attrs.action).toBe('drop');
    await r.call([`${FILTER}/remove`, `=.id=${a},${b}`]);
    expect(chains()).toEqual(['input:first']);
  });

  it.each([
    [['=chain=input', '=action=explode'], 'input does not match any value of action'],
    [['=chain=input', '=protocol=tcpx'], 'input does not match any value of protocol'],
    [
      ['=chain=input', '=dst-port=22'],
      'failure: dst-port can be set only with protocol tcp/udp/sctp/udp-lite/dccp',
    ],
    [['=chain=input', '=protocol=tcp', '=dst-port=70000'], 'invalid value for argument dst-port'],
    [['=chain=input', '=connection-state=sleepy'], 'input does not match any value of connection-state'],
    [['=chain=input', '=layer7-protocol=missing'], 'input does not match any value of layer7-protocol'],
    [['=chain=input', '=action=jump'], 'failure: jump-target not specified'],
    [['=chain=input', '=action=add-src-to-address-list'], 'failure: address-list not specified'],
    [['=chain=input', '=bogus=1'], 'unknown parameter bogus'],
    [['=action=accept'], 'failure: chain not specified'],
  ])('refuses %j', async (words, message) => {
    const [reply] = await r.call([`${FILTER}/add`, ...words]);
    expect(reply?.[0]).toBe('!trap');
    expect(reply).toContain(`=message=${message}`);
    expect(s.rules('filter').size).toBe(0);
  });

  it('accepts jump/return, psd and packet-size', async () => {
    await add(FILTER, '=chain=input', '=protocol=icmp', '=action=jump', '=jump-target=icmp-knock');
    await add(
      FILTER,
      '=chain=icmp-knock',
      '=packet-size=720',
      '=action=add-src-to-address-list',
      '=address-list=icmp1',
    );
    await add(FILTER, '=chain=icmp-knock', '=action=return');
    await add(FILTER, '=chain=input', '=protocol=tcp', '=psd=21,3s,3,1', '=action=drop');
    expect(s.rules('filter').size).toBe(4);
  });
});

describe('layer7, nat and raw', () => {
  it('layer7 protocols are unique by name and usable from filter rules', async () => {
    await add('/ip/firewall/layer7-protocol', '=name=ICMP pattern', '=regexp=mikrotik');
    const [dup] = await r.call(['/ip/firewall/layer7-protocol/add', '=name=ICMP pattern', '=regexp=x']);
    expect(dup).toContain('=message=failure: already have such name');
    await add(
      FILTER,
      '=chain=input',
      '=protocol=icmp',
      '=layer7-protocol=ICMP pattern',
      '=action=add-src-to-address-list',
      '=address-list=l7',
    );
    expect(s.state.layer7.list(s.state.ctx)).toEqual([
      { id: '*1', name: 'ICMP pattern', regexp: 'mikrotik', disabled: false },
    ]);
    // Named items can be addressed by name.
    await r.call(['/ip/firewall/layer7-protocol/set', '=.id=ICMP pattern', '=regexp=mikro.ik']);
    expect(s.state.layer7.byName('ICMP pattern', s.state.ctx)?.regexp).toBe('mikro.ik');
  });

  it('nat keeps dstnat rules guarded by an address list; raw has its own actions', async () => {
    await add(
      '/ip/firewall/nat',
      '=chain=dstnat',
      '=protocol=tcp',
      '=dst-port=2222',
      '=src-address-list=knocked',
      '=action=dst-nat',
      '=to-addresses=192.168.88.10',
      '=to-ports=22',
    );
    expect(s.rules('nat').list(s.state.ctx)[0]?.attrs).toMatchObject({ action: 'dst-nat', 'to-ports': '22' });
    await add('/ip/firewall/raw', '=chain=prerouting', '=action=notrack', '=protocol=udp', '=dst-port=53');
    const [bad] = await r.call(['/ip/firewall/raw/add', '=chain=prerouting', '=action=masquerade']);
    expect(bad?.[0]).toBe('!trap');
  });

  it('counts hits the engine reports', async () => {
    const id = await add(FILTER, '=chain=input', '=action=drop');
    s.rules('filter').countHit(id, 60);
    s.rules('filter').countHit(id, 40);
    const [row] = await r.call([`${FILTER}/print`, '=.proplist=bytes,packets']);
    expect(row).toEqual(['!re', '=bytes=100', '=packets=2']);
  });
});
