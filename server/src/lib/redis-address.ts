/** Where Redis Sentinels are, as configured (REDIS_SENTINELS): parsed once, below every layer. */

export interface SentinelAddress {
  host: string;
  port: number;
}

/** `host:port,host:port` (IPv6 as `[::1]:26379`) into addresses; throws on anything else. */
export function parseSentinels(list: string): SentinelAddress[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
      const port = m ? Number(m[3]) : NaN;
      if (!m || port < 1 || port > 65535) throw new Error(`"${s}" is not host:port`);
      return { host: (m[1] ?? m[2])!, port };
    });
}
