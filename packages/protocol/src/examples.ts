/*
 * Example values used in the schema `examples` (OpenAPI / AsyncAPI documents and their
 * rendered references). Plain data only: every example must validate against its schema
 * (checked by the contract tests in apps/server/test/contract).
 */
export const EX = {
  aliceId: '5b0f3d5e-8c1a-4f7e-9d2b-1c3a4e5f6a7b',
  bobId: '9e8d7c6b-5a49-4382-8716-05f4e3d2c1b0',
  roomId: '3f2e1d0c-4b5a-4697-8877-665544332211',
  messageId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  uploadId: 'c0ffee00-1234-4abc-9def-0123456789ab',
  time: '2026-11-26T09:30:00.000Z',
  later: '2026-11-26T09:31:12.000Z',
  clientKey: '2f4d6c1e-7b3a-4e59-a2c8-d90f1e2b3c4d',
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1YjBmM2Q1ZSIsInNpZCI6IjEyMyJ9.c2lnbmF0dXJl',
  refreshToken: 'rt_Vd3x8bQ2nLk5pR7sT9wY1zA4cE6gH8jK',
  ticket: 'tk_Qm4nP7rS2uV5xY8zB1dF3hJ6',
} as const;

export const exampleUser = { id: EX.aliceId, username: 'alice', displayName: 'Alice Example', createdAt: EX.time };
export const exampleBob = { id: EX.bobId, username: 'bob', displayName: 'Bob', createdAt: EX.time };

export const exampleRoom = {
  id: EX.roomId,
  kind: 'public' as const,
  name: 'general',
  topic: 'Everything and nothing',
  createdAt: EX.time,
  archived: false,
  headSeq: 42,
  memberCount: 12,
  role: 'member' as const,
  lastReadSeq: 40,
  unread: 2,
};

export const exampleAttachment = {
  id: EX.uploadId,
  roomId: EX.roomId,
  filename: 'diagram.png',
  contentType: 'image/png',
  size: 48213,
  url: `/api/v1/uploads/${EX.uploadId}`,
  createdAt: EX.time,
};

export const exampleMessage = {
  id: EX.messageId,
  roomId: EX.roomId,
  seq: 42,
  versionSeq: 42,
  author: exampleUser,
  body: 'Hello, **world**!',
  parentId: null,
  replyCount: 0,
  reactions: [{ emoji: '👍', count: 1, userIds: [EX.bobId] }],
  attachments: [exampleAttachment],
  clientKey: EX.clientKey,
  createdAt: EX.time,
  editedAt: null,
  deletedAt: null,
};

export const exampleMember = { user: exampleBob, role: 'member' as const, joinedAt: EX.time, lastReadSeq: 40, online: true };
