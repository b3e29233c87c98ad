import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { metrics } from '../observability/metrics.js';

export type BusHandler = (payload: string) => void;

/**
 * Fan-out of realtime events between the connections of this process and (with Redis) of
 * other replicas. Channels: `room:<id>` and `user:<id>`. A payload is delivered to local
 * subscribers synchronously inside publish(), before the cross-replica publish, so local
 * delivery keeps working while Redis is down.
 */
export interface EventBus {
  /** Rejects when the cross-replica publish failed (local delivery has already happened). */
  publish(channel: string, payload: string): Promise<void>;
  subscribe(channel: string, handler: BusHandler): void;
  unsubscribe(channel: string, handler: BusHandler): void;
  /** Channels with at least one local subscriber. */
  channelCount(): number;
  close(): Promise<void>;
}

export class LocalBus implements EventBus {
  protected readonly handlers = new Map<string, Set<BusHandler>>();

  async publish(channel: string, payload: string): Promise<void> {
    this.deliver(channel, payload);
  }

  protected deliver(channel: string, payload: string): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    for (const handler of set) handler(payload);
  }

  subscribe(channel: string, handler: BusHandler): void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.onFirstSubscriber(channel);
    }
    set.add(handler);
  }

  unsubscribe(channel: string, handler: BusHandler): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    set.delete(handler);
    if (set.size === 0) {
      this.handlers.delete(channel);
      this.onLastSubscriberGone(channel);
    }
  }

  channelCount(): number {
    return this.handlers.size;
  }

  protected onFirstSubscriber(_channel: string): void {}
  protected onLastSubscriberGone(_channel: string): void {}

  async close(): Promise<void> {
    this.handlers.clear();
  }
}

/**
 * Redis pub/sub fan-out. Each replica subscribes to a channel only while one of its local
 * connections needs it, so an event reaches only the replicas that have recipients.
 * Messages carry the publishing instance's id; a replica ignores its own (it delivered locally).
 */
export class RedisBus extends LocalBus {
  readonly instanceId = randomUUID();

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly log: Logger,
    private readonly prefix: string,
  ) {
    super();
    // Raw buffers: this replica's own messages come back from Redis too (one per event it
    // publishes) and are recognised by their id prefix without being decoded.
    const own = Buffer.from(`${this.instanceId}|`);
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (message.length < own.length || own.equals(message.subarray(0, own.length))) return;
      const text = message.toString();
      const bar = text.indexOf('|');
      if (bar < 0) return;
      this.deliver(channel.toString().slice(this.prefix.length), text.slice(bar + 1));
    });
  }

  override async publish(channel: string, payload: string): Promise<void> {
    this.deliver(channel, payload);
    const end = metrics.redisPublishDuration.startTimer();
    try {
      await this.pub.publish(this.prefix + channel, `${this.instanceId}|${payload}`);
    } finally {
      end();
    }
  }

  protected override onFirstSubscriber(channel: string): void {
    this.sub.subscribe(this.prefix + channel).catch((err: Error) => this.log.warn({ channel, err: err.message }, 'redis subscribe failed'));
  }

  protected override onLastSubscriberGone(channel: string): void {
    this.sub.unsubscribe(this.prefix + channel).catch((err: Error) => this.log.warn({ channel, err: err.message }, 'redis unsubscribe failed'));
  }

  override async close(): Promise<void> {
    await super.close();
  }
}
