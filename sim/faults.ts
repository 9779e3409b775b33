/**
 * Fault injection for the simulator. Tests set faults through the handle, operators through the
 * admin socket (`npm run sim -- admin fault …`). Every fault is off by default.
 */

export interface FaultConfig {
  /** Delay before each reply (the login reply included), in ms. */
  latencyMs: number;
  /**
   * Drop the connection on the next `times` commands whose path ends with `command`, either before
   * the router applies it or after applying it but before `!done` is sent.
   */
  dropAfter: { command: string; phase: 'before-apply' | 'after-apply'; times: number } | null;
  /** Accept TCP connections and reset them at once, like a router with the API service down. */
  refuseConnections: boolean;
  /** Write replies in chunks of `chunkBytes` with a pause between them (1 = every byte alone). */
  split: { chunkBytes: number; pauseMs: number } | null;
  /** Close a connection that has been silent for this long (a NAT or firewall idle timeout). */
  idleCloseMs: number | null;
  /** Answer `/login` with `!fatal <message>` and close. */
  fatalOnLogin: string | null;
  /** Commands whose path ends with this never get an answer (a hung router). */
  stall: string | null;
  /** Commands whose path ends with this get bytes that are not API sentences. */
  garbage: string | null;
}

export function noFaults(): FaultConfig {
  return {
    latencyMs: 0,
    dropAfter: null,
    refuseConnections: false,
    split: null,
    idleCloseMs: null,
    fatalOnLogin: null,
    stall: null,
    garbage: null,
  };
}

export class FaultController {
  private current: FaultConfig = noFaults();

  get(): Readonly<FaultConfig> {
    return this.current;
  }

  set(partial: Partial<FaultConfig>): FaultConfig {
    this.current = { ...this.current, ...partial };
    return this.current;
  }

  reset(): void {
    this.current = noFaults();
  }

  /** Consumes one `dropAfter` shot if it matches this command and phase. */
  takeDrop(command: string, phase: 'before-apply' | 'after-apply'): boolean {
    const drop = this.current.dropAfter;
    if (!drop || drop.phase !== phase || !command.endsWith(drop.command)) return false;
    this.current = { ...this.current, dropAfter: drop.times > 1 ? { ...drop, times: drop.times - 1 } : null };
    return true;
  }
}
