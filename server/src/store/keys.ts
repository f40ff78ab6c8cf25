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
    /** Socket.IO Redis Streams adapter stream. */
    stream: `${prefix}socket.io`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
