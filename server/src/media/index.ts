/** Audio for meetings (mediasoup). See docs/media.md. */
export { MediaService, type MediaServiceOptions, type MediaStats } from './service.ts';
export { mediaConfigFromEnv, type MediaConfig } from './config.ts';
export { MediaError, type PeerSignal } from './peer.ts';
export { WorkerPool, type PoolWorker } from './worker-pool.ts';
export { MediaCluster, type MediaClusterOptions, type MediaLoad, type SocketReach } from './cluster.ts';
export { turnConfigFromEnv, turnCredential, turnIceServers, type TurnConfig } from './turn.ts';
