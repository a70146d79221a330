export { type AdminOptions, AdminServer } from './admin-server.js';
export { cgroupCpuLimit, usableCpuCount } from './cpus.js';
export type { LogFormat } from './log-sink.js';
export { broadcast, callPrimary, hasPrimary, onBroadcast, PrimaryCallError } from './primary-rpc.js';
export { runPrimary as serveCluster, type ServeOptions } from './run-primary.js';
export type { PrimaryService } from './supervisor.js';
export {
  OperationError,
  StartupError,
  Supervisor,
  type SupervisorOptions,
  type SupervisorStatus,
  type WorkerStatus,
} from './supervisor.js';
