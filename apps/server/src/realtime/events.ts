import type { Logger } from 'pino';
import type { ServerFrame } from '@parley/protocol';
import type { EventBus } from '../infra/bus.js';
import { metrics } from '../observability/metrics.js';

/*
 * Bus payloads are `<type>|<commit time ms>|<frame JSON>`: the frame is serialised once by the
 * publisher and written verbatim to every recipient socket; the prefix lets the gateway
 * count frames by type and measure delivery latency without parsing JSON per recipient.
 * Internal control signals (type starting with `_`) are consumed by the gateway, never forwarded.
 */
export function encodeEvent(frame: ServerFrame, committedAt = Date.now()): string {
  return `${frame.type}|${committedAt}|${JSON.stringify(frame)}`;
}

export interface DecodedEvent {
  type: string;
  committedAt: number;
  json: string;
}

export function decodeEvent(payload: string): DecodedEvent {
  const a = payload.indexOf('|');
  const b = payload.indexOf('|', a + 1);
  return { type: payload.slice(0, a), committedAt: Number(payload.slice(a + 1, b)), json: payload.slice(b + 1) };
}

export const roomChannel = (roomId: string) => `room:${roomId}`;
export const userChannel = (userId: string) => `user:${userId}`;

/**
 * Publishes realtime events. A failed cross-replica publish is counted and logged, never
 * silently dropped, and never fails the write that caused it: the event is committed in the
 * database and clients on other replicas recover it through the per-room sequence gap.
 */
export class EventPublisher {
  private lastLog = 0;
  constructor(private readonly bus: EventBus, private readonly log: Logger) {}

  toRoom(roomId: string, frame: ServerFrame, committedAt?: number): Promise<void> {
    return this.send(roomChannel(roomId), encodeEvent(frame, committedAt));
  }

  toUser(userId: string, frame: ServerFrame | { type: `_${string}`; [k: string]: unknown }): Promise<void> {
    return this.send(userChannel(userId), encodeEvent(frame as ServerFrame));
  }

  private async send(channel: string, payload: string): Promise<void> {
    try {
      await this.bus.publish(channel, payload);
    } catch (err) {
      metrics.fanoutPublishFailures.inc();
      if (Date.now() - this.lastLog > 1000) {
        this.lastLog = Date.now();
        this.log.error({ channel: channel.split(':')[0], err: (err as Error).message }, 'fan-out publish failed; clients on other replicas will recover by gap fetch');
      }
    }
  }
}
