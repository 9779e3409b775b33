export {
  type EngineOptions,
  type FinalAction,
  FirewallEngine,
  type LogEntry,
  type TraceStep,
  type Verdict,
} from './engine';
export { type KnockEvent, KnockListeners, type KnockListenOptions, type ListenReport } from './listeners';
export {
  type ConnectionState,
  type Packet,
  pingRequest,
  tcpData,
  tcpSyn,
  udpDatagram,
} from './packet';
