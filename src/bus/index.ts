export { Bus, type BusHandler, bus, type SubscribeOptions } from './bus.js';
export { PrimaryRelayTransport } from './primary-relay-transport.js';
export { RedisTransport } from './redis-transport.js';
export { compileTopicPattern } from './topic-pattern.js';
export { type BusTransport, LocalTransport } from './transport.js';
