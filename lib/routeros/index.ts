export * from './address-list';
export { CircuitBreaker } from './circuit-breaker';
export { createRouterClient, RouterOSClient } from './client';
export { formatClockDuration, formatDuration, MAX_DURATION_SECONDS, parseDuration } from './duration';
export * from './errors';
export { closeAllRouterClients, closeRouterClient, getRouterClient } from './pool';
export * as routerQuery from './query';
export * from './types';
