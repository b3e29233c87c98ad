import type { Message } from '@parley/protocol';
import { Icon } from './Icon';
import { useEffect, useMemo, useRef } from 'react';
import { errorMessage } from '../api/problem';
import { useChat, useClient } from '../state/context';
import { timelineMessages } from '../state/store';
import { Composer } from './Composer';
import { LIMITS_FALLBACK } from './limits';
import { MessageList } from './MessageList';

export function ThreadPanel({ roomId, rootId }: { roomId: string; rootId: string }) {
  const client = useClient();
  const me = useChat((s) => s.me)!;
  const tl = useChat((s) => s.timelines[roomId]);
  const pendingAll = useChat((s) => s.pending);
  const config = useChat((s) => s.config);
  const root = tl?.byId[rootId];
  const replies = useMemo(() => timelineMessages(tl, rootId), [tl, rootId]);
  const pending = useMemo(() => Object.values(pendingAll).filter((p) => p.parentId === rootId), [pendingAll, rootId]);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    closeRef.current?.focus();
    client.loadThread(roomId, rootId).catch((err: unknown) => client.store.dispatch({ type: 'notice', text: errorMessage(err) }));
  }, [client, roomId, rootId]);

  const close = () => client.store.dispatch({ type: 'thread.open', rootId: null });
  const list = root ? [root, ...replies] : replies;

  return (
    <aside className="thread-panel" aria-label="Thread" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <header className="room-header">
        <h2>Thread</h2>
        <button ref={closeRef} type="button" className="icon-button" aria-label="Close thread" onClick={close}>
          <Icon name="close" />
        </button>
      </header>
      <MessageList
        compact
        label="Thread replies"
        messages={list}
        pending={pending}
        me={me}
        hasOlder={false}
        onLoadOlder={async () => undefined}
        firstUnreadAfter={null}
        onEdit={(m: Message, body: string) => void client.edit(m, body)}
        onDelete={(m: Message) => {
          if (window.confirm('Delete this message?')) void client.remove(m);
        }}
        onReact={(m: Message, emoji: string) => void client.toggleReaction(m, emoji, me)}
        onRetry={(k) => client.retry(k)}
        onDiscard={(k) => client.discard(k)}
      />
      <Composer
        draftKey={`${roomId}.${rootId}`}
        label="Reply in thread"
        maxLength={config?.limits.messageBodyMax ?? LIMITS_FALLBACK.messageBodyMax}
        uploadMaxBytes={config?.limits.uploadMaxBytes ?? LIMITS_FALLBACK.uploadMaxBytes}
        onSend={(body, attachments) => client.sendMessage(roomId, body, attachments, rootId)}
        onTyping={() => client.typing(roomId)}
      />
    </aside>
  );
}
