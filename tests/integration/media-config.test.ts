/** Media configuration from the environment, and the single-port WebRtcServer mode. */
import { describe, expect, it } from 'vitest';
import { mediaConfigFromEnv } from '../../server/src/media/index.ts';
import { NodePeer, SnapshotBuilder, testMediaService } from '../helpers/media.ts';

describe('media configuration', () => {
  it('has safe defaults: every interface, an announced address, a port range, TCP on', () => {
    const c = mediaConfigFromEnv({});
    expect(c).toMatchObject({ listenIp: '0.0.0.0', minPort: 40000, maxPort: 49999, enableTcp: true, webRtcServerPort: undefined, logLevel: 'warn' });
    expect(c.workers).toBeGreaterThanOrEqual(1);
    expect(c.announcedAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('reads every variable', () => {
    const c = mediaConfigFromEnv({
      MEDIASOUP_WORKERS: '3',
      MEDIASOUP_LISTEN_IP: '10.0.0.5',
      MEDIASOUP_ANNOUNCED_ADDRESS: 'media.example.org',
      MEDIASOUP_MIN_PORT: '20000',
      MEDIASOUP_MAX_PORT: '20100',
      MEDIASOUP_WEBRTC_SERVER_PORT: '44444',
      MEDIASOUP_ENABLE_TCP: 'false',
      MEDIASOUP_LOG_LEVEL: 'error',
      MEDIASOUP_MAX_INCOMING_BITRATE: '64000',
      UNRELATED: 'x',
    });
    expect(c).toEqual({
      workers: 3,
      listenIp: '10.0.0.5',
      announcedAddress: 'media.example.org',
      minPort: 20000,
      maxPort: 20100,
      webRtcServerPort: 44444,
      enableTcp: false,
      logLevel: 'error',
      maxIncomingBitrate: 64000,
    });
    // A specific listen address is announced as is unless told otherwise.
    expect(mediaConfigFromEnv({ MEDIASOUP_LISTEN_IP: '127.0.0.1' }).announcedAddress).toBeUndefined();
  });

  it.each([
    ['MEDIASOUP_WORKERS', '0'],
    ['MEDIASOUP_LISTEN_IP', 'localhost'],
    ['MEDIASOUP_MIN_PORT', '70000'],
    ['MEDIASOUP_ENABLE_TCP', 'maybe'],
    ['MEDIASOUP_LOG_LEVEL', 'loud'],
  ])('refuses a bad %s with a message naming it', (name, value) => {
    expect(() => mediaConfigFromEnv({ [name]: value })).toThrow(new RegExp(name));
  });

  it('refuses a port range upside down', () => {
    expect(() => mediaConfigFromEnv({ MEDIASOUP_MIN_PORT: '5000', MEDIASOUP_MAX_PORT: '4000' })).toThrow(/MEDIASOUP_MIN_PORT/);
  });

  it('with MEDIASOUP_WEBRTC_SERVER_PORT every transport uses that one port (UDP and TCP)', async () => {
    const service = await testMediaService({ MEDIASOUP_WEBRTC_SERVER_PORT: '47123' });
    try {
      service.onRoomChanged(new SnapshotBuilder('one-port').person('ann').next());
      const ann = new NodePeer(service, 'one-port', 'ann');
      await ann.ok('mediaCapabilities', {});
      for (const direction of ['recv', 'send']) {
        const t = await ann.ok('createTransport', { direction });
        const candidates = t.iceCandidates as { port: number; protocol: string }[];
        expect(candidates.map((x) => x.port)).toEqual(candidates.map(() => 47123));
        expect(new Set(candidates.map((x) => x.protocol))).toEqual(new Set(['udp', 'tcp']));
      }
    } finally {
      await service.close();
    }
  });
});
