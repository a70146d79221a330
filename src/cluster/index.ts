export { type AdminOptions, AdminServer } from './primary/admin-server.js';
export { cgroupCpuLimit, usableCpuCount } from './primary/cpus.js';
export { OperationError, PortInUseError, StartupError } from './primary/errors.js';
export type { ListenSockets } from './primary/listen-sockets.js';
export type { LogFormat } from './primary/log-sink.js';
export type { ServeOptions } from './primary/run-primary.js';
export type { SlotState } from './primary/slot.js';
export {
  Supervisor,
  type SupervisorCollaborators,
  type SupervisorStatus,
  type WorkerStatus,
} from './primary/supervisor.js';
export type { PrimaryService, SupervisorOptions } from './primary/supervisor-options.js';
export type { SpawnRequest, SpawnWorker, WorkerHandle } from './primary/worker-handle.js';
export { PrimaryChannel } from './worker/primary-channel.js';
export {
  broadcast,
  callPrimary,
  hasPrimary,
  onBroadcast,
  PrimaryCallError,
  primaryChannel,
} from './worker/primary-rpc.js';
