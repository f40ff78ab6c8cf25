/** Every Redis key the server uses, in one place (CONVENTIONS rule 7). */
export function redisKeys(prefix: string) {
  return {
    room: (meetingId: string) => `${prefix}room:${meetingId}`,
    token: (tokenHash: string) => `${prefix}token:${tokenHash}`,
    /** The anonymous record of a closed meeting (rule E5), and its leader-token index. */
    record: (meetingId: string) => `${prefix}record:${meetingId}`,
    recordToken: (tokenHash: string) => `${prefix}record-token:${tokenHash}`,
    /** Sorted set: meetingId scored by its next deadline (epoch ms). */
    deadlines: `${prefix}deadlines`,
    /** Sorted set: nodeId scored by the time its heartbeat expires. */
    nodes: `${prefix}nodes`,
    nodeRooms: (nodeId: string) => `${prefix}node:${nodeId}:rooms`,
    /** Weekly groups (G-rules): the group, its token index, and the groups' deadlines. */
    group: (groupId: string) => `${prefix}group:${groupId}`,
    groupToken: (tokenHash: string) => `${prefix}group-token:${tokenHash}`,
    groupDeadlines: `${prefix}group-deadlines`,
    /** B3: the per-address join budgets shared by every process (rate-limiter-flexible's prefix). */
    joinBudget: `${prefix}join-budget`,
    /** Socket.IO Redis Streams adapter stream. */
    stream: `${prefix}socket.io`,
    /**
     * Media across processes (docs/media.md): each media process's heartbeat (its load, with a
     * TTL), the set of media processes, a meeting's media home (a nodeId) and, per process, the
     * meetings it is home to; the pub/sub channels of the media RPC (one per process, one to all).
     */
    mediaNode: (nodeId: string) => `${prefix}media:node:${nodeId}`,
    mediaNodes: `${prefix}media:nodes`,
    mediaHome: (meetingId: string) => `${prefix}media:home:${meetingId}`,
    mediaHomes: (nodeId: string) => `${prefix}media:homes:${nodeId}`,
    mediaRpc: (nodeId: string) => `${prefix}media:rpc:${nodeId}`,
    mediaRpcAll: `${prefix}media:rpc-all`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
