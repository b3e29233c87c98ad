import type { FastifyRequest } from 'fastify';
import type { Infra } from './context.js';
import { AuthService } from './auth/service.js';
import { TokenSigner, resolveTokenSecret } from './auth/tokens.js';
import { requireAuth } from './http/auth.js';
import { MessagesService } from './messages/service.js';
import { EventPublisher } from './realtime/events.js';
import { RoomsService } from './rooms/service.js';
import { UploadsService } from './uploads/service.js';
import { DatabaseBlobStorage } from './uploads/storage.js';
import { UsersService } from './users/service.js';

/** The domain services, wired once; routes and the WebSocket gateway call only these. */
export interface Modules {
  infra: Infra;
  events: EventPublisher;
  users: UsersService;
  auth: AuthService;
  rooms: RoomsService;
  messages: MessagesService;
  uploads: UploadsService;
  requireAuth: (request: FastifyRequest) => Promise<void>;
}

export function createModules(infra: Infra): Modules {
  const events = new EventPublisher(infra.bus, infra.log);
  const users = new UsersService(infra);
  const signer = new TokenSigner(resolveTokenSecret(infra.config.tokenSecret, infra.config.dataDir), infra.config.accessTokenTtlS);
  const auth = new AuthService(infra, users, signer, events);
  const rooms = new RoomsService(infra, users, events);
  const messages = new MessagesService(infra, rooms, users, events);
  const uploads = new UploadsService(infra, rooms, new DatabaseBlobStorage(infra.database.db));
  return { infra, events, users, auth, rooms, messages, uploads, requireAuth: requireAuth(auth, infra.config) };
}
