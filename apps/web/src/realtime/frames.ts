import type { ClientFrameOf, ClientFrameType, ServerFrameOf, ServerFrameType } from '@parley/protocol';

/*
 * Discriminated unions of the protocol's frames. The protocol's own `ServerFrame`/`ClientFrame`
 * types come out as `never`, and each frame's `type` is typed `string` (its helper takes
 * `type: string`), so they cannot be narrowed; here each frame's `type` is pinned to its key.
 * All field types still come from @parley/protocol.
 */
export type ServerFrame = { [K in ServerFrameType]: Omit<ServerFrameOf<K>, 'type'> & { type: K } }[ServerFrameType];
export type ClientFrame = { [K in ClientFrameType]: Omit<ClientFrameOf<K>, 'type'> & { type: K } }[ClientFrameType];
