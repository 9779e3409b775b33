export type { AddressFamily } from './address';
export { type Clock, ManualClock, systemClock } from './clock';
export { type FaultConfig, FaultController, noFaults } from './faults';
export * from './firewall';
export { type CommandResult, type Policy, RouterState, staticResolver, type UserConfig } from './router';
export { type Simulator, type SimulatorOptions, startSimulator } from './server';
export type {
  AddressListEntryView,
  AddressListTable,
  Resolver,
  RuleTable,
  RuleTableName,
  RuleView,
} from './tables';
