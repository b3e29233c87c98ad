import type { Attachment, Message } from '@parley/protocol';
import { Icon } from './Icon';
import { LIMITS_FALLBACK } from './limits';
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { uploadFile } from '../api/http';
import { errorMessage } from '../api/problem';
import { useChat, useClient } from '../state/context';
import { timelineMessages } from '../state/store';
import { Composer, type ComposerHandle } from './Composer';
import { roomPrefix, roomTitle } from './format';
import { MessageList } from './MessageList';
import type { DialogName } from './Sidebar';

function TypingIndicator({ roomId }: { roomId: string }) {
  const typing = useChat((s) => s.typing[roomId]);
  const names = Object.values(typing ?? {}).map((t) => t.user.displayName || t.user.username);
  const text =
    names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
  return (
    <div className="typing" aria-live="polite">
      {text}
    </div>
  );
}

export function RoomView({ roomId, onDialog, onBack }: { roomId: string; onDialog: (d: DialogName) => void; onBack: () => void }) {
  const client = useClient();
  const room = useChat((s) => s.rooms[roomId]);
  const me = useChat((s) => s.me)!;
  const tl = useChat((s) => s.timelines[roomId]);
  const pendingAll = useChat((s) => s.pending);
  const online = useChat((s) => s.online);
  const config = useChat((s) => s.config);
  const threadRootId = useChat((s) => s.threadRootId);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const composer = useRef<ComposerHandle>(null);
  // The read marker when the room was opened: the "New messages" divider stays put while reading.
  const [firstUnreadAfter, setFirstUnreadAfter] = useState<number | null>(null);

  useEffect(() => {
    const r = client.store.getState().rooms[roomId];
    setFirstUnreadAfter(r && r.unread > 0 ? (r.lastReadSeq ?? 0) : null);
    setLoadError(null);
    void client.loadPresence(roomId);
    if (!client.store.getState().timelines[roomId]?.loaded) {
      client.loadNewest(roomId).catch((err: unknown) => setLoadError(errorMessage(err)));
    }
  }, [roomId, client]);

  const messages = useMemo(() => timelineMessages(tl), [tl]);
  const pending = useMemo(() => Object.values(pendingAll).filter((p) => p.roomId === roomId && p.parentId === null), [pendingAll, roomId]);
  const maxSeq = tl ? Math.max(0, ...Object.values(tl.byId).map((m) => m.versionSeq)) : 0;

  if (!room) return null;
  const title = roomTitle(room, me);
  const canModerate = room.role === 'owner' || room.role === 'admin';
  const maxLength = config?.limits.messageBodyMax ?? LIMITS_FALLBACK.messageBodyMax;
  const uploadMax = config?.limits.uploadMaxBytes ?? LIMITS_FALLBACK.uploadMaxBytes;

  const onUpload = (file: File, onProgress: (f: number) => void, signal: AbortSignal): Promise<Attachment> => uploadFile(roomId, file, onProgress, signal);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) composer.current?.addFiles(e.dataTransfer.files);
  };

  return (
    <section
      className={`room${dragging ? ' dragging' : ''}${threadRootId ? ' with-thread' : ''}`}
      aria-labelledby="room-title"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="room-header">
        <button type="button" className="icon-button back" aria-label="Back to rooms" onClick={onBack}>
          <Icon name="back" />
        </button>
        <div className="room-heading">
          <h2 id="room-title">
            <span aria-hidden="true" className="prefix">
              {room.kind === 'private' ? <Icon name="lock" size={16} /> : roomPrefix(room)}
            </span>
            {title}
          </h2>
          {room.topic && <p className="muted topic">{room.topic}</p>}
        </div>
        <div className="room-actions">
          <button type="button" className="secondary" onClick={() => onDialog('members')} aria-label={`Members: ${room.memberCount}`}>
            <Icon name="users" size={16} /> {room.memberCount}
          </button>
          {room.kind !== 'dm' && (
            <button type="button" className="secondary" onClick={() => onDialog('invite')}>
              Invite
            </button>
          )}
          {room.kind !== 'dm' && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                if (window.confirm(`Leave ${title}?`)) client.leaveRoom(roomId).catch((err: unknown) => client.store.dispatch({ type: 'notice', text: errorMessage(err) }));
              }}
            >
              Leave
            </button>
          )}
        </div>
      </header>
      {loadError && (
        <p className="error" role="alert">
          {loadError}{' '}
          <button type="button" onClick={() => client.loadNewest(roomId).then(() => setLoadError(null), (err: unknown) => setLoadError(errorMessage(err)))}>
            Try again
          </button>
        </p>
      )}
      <MessageList
        label={`Messages in ${title}`}
        messages={messages}
        pending={pending}
        me={me}
        hasOlder={tl ? tl.loaded && tl.hasOlder : false}
        onLoadOlder={() => client.loadOlder(roomId)}
        firstUnreadAfter={firstUnreadAfter}
        online={online}
        canModerate={canModerate}
        onAtBottom={() => {
          if (maxSeq > 0 && document.hasFocus()) client.markRead(roomId, maxSeq);
        }}
        onEdit={(m: Message, body: string) => void client.edit(m, body)}
        onDelete={(m: Message) => {
          if (window.confirm('Delete this message?')) void client.remove(m);
        }}
        onReact={(m: Message, emoji: string) => void client.toggleReaction(m, emoji, me)}
        onOpenThread={(m: Message) => client.store.dispatch({ type: 'thread.open', rootId: m.id })}
        onRetry={(k) => client.retry(k)}
        onDiscard={(k) => client.discard(k)}
      />
      <TypingIndicator roomId={roomId} />
      <Composer
        ref={composer}
        draftKey={roomId}
        label={`Message ${roomPrefix(room) === '#' ? '#' : ''}${title}`}
        maxLength={maxLength}
        uploadMaxBytes={uploadMax}
        onSend={(body, attachments) => client.sendMessage(roomId, body, attachments)}
        onTyping={() => client.typing(roomId)}
        onUpload={onUpload}
      />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop files to attach them
        </div>
      )}
    </section>
  );
}
