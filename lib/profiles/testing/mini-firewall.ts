/**
 * A deliberately small evaluator of generated filter rules (tests only): enough of RouterOS chain
 * semantics to check the knock logic — first match wins for accept/drop, add-src-to-address-list
 * goes on to the next rule and takes effect at once, jump/return, address lists with timeouts on a
 * logical clock. The simulator's engine in sim/ is the full one; this exists so the generator's
 * ordering argument is tested by behaviour, not only by structure.
 */
import { durationMs } from '../model';
import type { Rule } from '../rule';

export type Packet = {
  src: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  dstPort?: number;
  /** Conntrack state as RouterOS would see it. */
  state?: 'new' | 'established';
  /** IP total length (for packet-size). */
  size?: number;
  /** Payload bytes as text (content= and layer7). */
  payload?: string;
  inInterfaceList?: string;
};

export type Verdict = 'accept' | 'drop' | 'none';

export class MiniFirewall {
  now = 0;
  private readonly lists = new Map<string, Map<string, number>>();
  private readonly layer7 = new Map<string, RegExp>();
  private readonly filter: Record<string, string>[];

  constructor(rules: readonly Rule[]) {
    for (const rule of rules) {
      if (rule.table === '/ip/firewall/layer7-protocol') {
        this.layer7.set(rule.attrs.name!, new RegExp(rule.attrs.regexp!));
      }
    }
    this.filter = rules.filter((rule) => rule.table === '/ip/firewall/filter').map((rule) => rule.attrs);
  }

  advance(ms: number): void {
    this.now += ms;
  }

  onList(list: string, src: string): boolean {
    const expires = this.lists.get(list)?.get(src);
    return expires !== undefined && expires > this.now;
  }

  private matches(rule: Record<string, string>, p: Packet): boolean {
    for (const [name, value] of Object.entries(rule)) {
      switch (name) {
        case 'protocol':
          if (p.protocol !== value) return false;
          break;
        case 'dst-port':
          if (p.dstPort === undefined || !value.split(',').includes(String(p.dstPort))) return false;
          break;
        case 'src-address-list': {
          const negate = value.startsWith('!');
          if (this.onList(negate ? value.slice(1) : value, p.src) === negate) return false;
          break;
        }
        case 'connection-state':
          if (!value.split(',').includes(p.state ?? 'new')) return false;
          break;
        case 'packet-size':
          if (String(p.size) !== value) return false;
          break;
        case 'icmp-options':
          if (p.protocol !== 'icmp' || value !== '8:0') return false;
          break;
        case 'content':
          if (!(p.payload ?? '').includes(value)) return false;
          break;
        case 'layer7-protocol':
          if (!this.layer7.get(value)?.test(p.payload ?? '')) return false;
          break;
        case 'in-interface-list':
          if ((p.inInterfaceList ?? 'WAN') !== value) return false;
          break;
        case 'chain':
        case 'action':
        case 'comment':
        case 'address-list':
        case 'address-list-timeout':
        case 'jump-target':
          break;
        default:
          throw new Error(`mini firewall does not know the matcher ${name}`);
      }
    }
    return true;
  }

  private run(chain: string, p: Packet, depth: number): Verdict | 'return' {
    if (depth > 8) throw new Error('jump loop');
    for (const rule of this.filter) {
      if (rule.chain !== chain || !this.matches(rule, p)) continue;
      switch (rule.action) {
        case 'accept':
          return 'accept';
        case 'drop':
          return 'drop';
        case 'return':
          return 'return';
        case 'add-src-to-address-list': {
          const list = this.lists.get(rule['address-list']!) ?? new Map<string, number>();
          list.set(p.src, this.now + (durationMs(rule['address-list-timeout'] ?? '0s') ?? 0));
          this.lists.set(rule['address-list']!, list);
          break;
        }
        case 'jump': {
          const verdict = this.run(rule['jump-target']!, p, depth + 1);
          if (verdict === 'accept' || verdict === 'drop') return verdict;
          break;
        }
        default:
          throw new Error(`mini firewall does not know the action ${rule.action}`);
      }
    }
    return 'none';
  }

  /** Chain input verdict; `none` means no rule decided (the router's default is accept). */
  input(p: Packet): Verdict {
    const verdict = this.run('input', p, 0);
    return verdict === 'return' ? 'none' : verdict;
  }
}
