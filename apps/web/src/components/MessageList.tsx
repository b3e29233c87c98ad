import type { Message, User } from '@parley/protocol';
import { Icon } from './Icon';
import { Fragment, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { PendingMessage } from '../state/store';
import { dayKey, dayLabel, formatBytes, timeLabel } from './format';
import { MessageText } from './MessageText';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '👀', '✅'];

export interface MessageListProps {
  label: string;
  messages: Message[];
  pending: PendingMessage[];
  me: User;
  hasOlder: boolean;
  /** Loads the previous page; resolves when it is in. */
  onLoadOlder: () => Promise<void>;
  /** Messages with seq above this are unread (null: nothing unread). */
  firstUnreadAfter: number | null;
  online?: Record<string, boolean>;
  canModerate?: boolean;
  /** Called when the list is scrolled to the bottom (to move the read marker). */
  onAtBottom?: () => void;
  onEdit: (m: Message, body: string) => void;
  onDelete: (m: Message) => void;
  onReact: (m: Message, emoji: string) => void;
  onOpenThread?: (m: Message) => void;
  onRetry: (clientKey: string) => void;
  onDiscard: (clientKey: string) => void;
  /** Thread view: no thread buttons, no infinite scroll label. */
  compact?: boolean;
}

type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'unread'; key: string }
  | { kind: 'message'; key: string; message: Message }
  | { kind: 'pending'; key: string; pending: PendingMessage };

/**
 * The rows of the list: day separators, the "New messages" divider (only where the first unread
 * message really is: after a read message, or at the very start of history) and messages, then
 * the pending ones. Each message id and each clientKey appears once.
 */
export function buildRows(messages: Message[], pending: PendingMessage[], firstUnreadAfter: number | null, hasOlder = false, now = new Date()): Row[] {
  const rows: Row[] = [];
  let lastDay = '';
  let unreadPlaced = false;
  const seen = new Set<string>();
  const confirmedKeys = new Set<string>();
  let prevSeq: number | null = null;
  for (const m of messages) {
    if (seen.has(m.id)) continue; // never twice
    seen.add(m.id);
    if (m.clientKey) confirmedKeys.add(m.clientKey);
    const day = dayKey(m.createdAt);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}`, label: dayLabel(m.createdAt, now) });
      lastDay = day;
    }
    if (!unreadPlaced && firstUnreadAfter !== null && m.seq > firstUnreadAfter) {
      if (prevSeq !== null ? prevSeq <= firstUnreadAfter : !hasOlder) rows.push({ kind: 'unread', key: 'unread' });
      unreadPlaced = true;
    }
    prevSeq = m.seq;
    rows.push({ kind: 'message', key: m.id, message: m });
  }
  for (const p of pending) {
    if (confirmedKeys.has(p.clientKey)) continue; // the confirmed copy is already shown
    const day = dayKey(p.createdAt);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day-${day}`, label: dayLabel(p.createdAt, now) });
      lastDay = day;
    }
    rows.push({ kind: 'pending', key: `p-${p.clientKey}`, pending: p });
  }
  return rows;
}

export function MessageList(props: MessageListProps) {
  const { messages, pending, hasOlder, onLoadOlder, firstUnreadAfter } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ firstId: string | undefined; height: number; top: number } | null>(null);
  const rows = buildRows(messages, pending, firstUnreadAfter, hasOlder);
  const [jumped, setJumped] = useState(false);
  const hasOlderRef = useRef(hasOlder);
  hasOlderRef.current = hasOlder;
  const firstId = messages[0]?.id;
  const lastKey = rows[rows.length - 1]?.key;

  const loadOlder = async () => {
    if (loadingOlder || !hasOlder) return;
    const el = scroller.current;
    if (el) anchor.current = { firstId, height: el.scrollHeight, top: el.scrollTop };
    setLoadingOlder(true);
    setLoadError(null);
    try {
      await onLoadOlder();
    } catch (err) {
      setLoadError(err instanceof Error ? err.message : 'Could not load older messages.');
    } finally {
      setLoadingOlder(false);
    }
  };

  // Keep the view steady when older messages are prepended; follow new ones at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const a = anchor.current;
    if (a && a.firstId !== firstId) {
      el.scrollTop = a.top + (el.scrollHeight - a.height);
      anchor.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [firstId, lastKey, rows.length]);

  useEffect(() => {
    if (atBottom.current) props.onAtBottom?.();
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom.current) props.onAtBottom?.();
    if (el.scrollTop < 150 && hasOlder && !loadingOlder && !loadError) void loadOlder();
  };

  const jumpToUnread = async () => {
    setJumped(true);
    for (let i = 0; i < 40; i++) {
      const divider = scroller.current?.querySelector('[data-unread-divider]');
      if (divider) {
        divider.scrollIntoView({ block: 'start' });
        (divider as HTMLElement).focus();
        return;
      }
      if (!hasOlderRef.current) return;
      await onLoadOlder();
      await new Promise((r) => setTimeout(r, 0));
    }
  };

  const hasUnreadDivider = rows.some((r) => r.kind === 'unread');
  const oldestLoaded = messages[0]?.seq ?? Infinity;
  // Offered until used: when the first unread message is not loaded yet, or to scroll back to it.
  const unreadOffscreen = !jumped && firstUnreadAfter !== null && (hasUnreadDivider || (hasOlder && oldestLoaded > firstUnreadAfter));

  return (
    <div className="message-list-wrap">
      {unreadOffscreen && !props.compact && (
        <button type="button" className="jump-unread" onClick={() => void jumpToUnread()}>
          Jump to first unread
        </button>
      )}
      <div className="message-list" ref={scroller} onScroll={onScroll} role="log" aria-label={props.label} aria-live="polite" tabIndex={0}>
        {hasOlder ? (
          <div className="history-edge">
            <button type="button" onClick={() => void loadOlder()} disabled={loadingOlder}>
              {loadingOlder ? 'Loading older messages…' : 'Load older messages'}
            </button>
            {loadError && (
              <p role="alert" className="error">
                {loadError}
              </p>
            )}
          </div>
        ) : (
          !props.compact && <p className="history-edge start">This is the beginning of the conversation.</p>
        )}
        <ol className="messages">
          {rows.map((row) => (
            <Fragment key={row.key}>
              {row.kind === 'day' && (
                <li className="day-separator" role="separator" aria-label={row.label}>
                  <span>{row.label}</span>
                </li>
              )}
              {row.kind === 'unread' && (
                <li className="unread-divider" data-unread-divider tabIndex={-1} role="separator" aria-label="New messages">
                  <span>New messages</span>
                </li>
              )}
              {row.kind === 'message' && <MessageItem {...props} message={row.message} />}
              {row.kind === 'pending' && <PendingItem pending={row.pending} me={props.me} onRetry={props.onRetry} onDiscard={props.onDiscard} />}
            </Fragment>
          ))}
        </ol>
      </div>
    </div>
  );
}

function Avatar({ user, online }: { user: User; online?: boolean }) {
  const initials = (user.displayName || user.username).slice(0, 1).toUpperCase();
  return (
    <span className="avatar" aria-hidden="true">
      {initials}
      {online !== undefined && <span className={`presence ${online ? 'online' : 'offline'}`} />}
    </span>
  );
}

function Attachments({ message }: { message: Pick<Message, 'attachments'> }) {
  if (!message.attachments.length) return null;
  return (
    <ul className="attachments">
      {message.attachments.map((a) => (
        <li key={a.id}>
          {a.contentType.startsWith('image/') ? (
            <a href={a.url} target="_blank" rel="noopener noreferrer">
              <img src={a.url} alt={a.filename} loading="lazy" className="attachment-image" />
            </a>
          ) : (
            <a href={a.url} download={a.filename} rel="noopener noreferrer" className="attachment-file">
              <Icon name="file" size={16} /> {a.filename} <span className="muted">({formatBytes(a.size)})</span>
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}

function MessageItem(props: MessageListProps & { message: Message }) {
  const { message: m, me } = props;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.body);
  const [picking, setPicking] = useState(false);
  const mine = m.author.id === me.id;
  const deleted = m.deletedAt !== null;

  const save = () => {
    const body = draft.trim();
    if (body && body !== m.body) props.onEdit(m, body);
    setEditing(false);
  };
  const onEditKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setEditing(false);
    }
  };

  return (
    <li className={`message${mine ? ' mine' : ''}${deleted ? ' deleted' : ''}`} data-message-id={m.id} data-seq={m.seq} aria-label={`${m.author.displayName || m.author.username}, ${timeLabel(m.createdAt)}`}>
      <Avatar user={m.author} online={props.online?.[m.author.id]} />
      <div className="message-main">
        <div className="message-meta">
          <span className="author">{m.author.displayName || m.author.username}</span>{' '}
          <time dateTime={m.createdAt} className="muted">
            {timeLabel(m.createdAt)}
          </time>
          {m.editedAt && !deleted && <span className="muted"> (edited)</span>}
        </div>
        {deleted ? (
          <p className="body muted">This message was deleted.</p>
        ) : editing ? (
          <div className="edit-box">
            <label className="visually-hidden" htmlFor={`edit-${m.id}`}>
              Edit message
            </label>
            <textarea id={`edit-${m.id}`} value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onEditKey} autoFocus rows={2} />
            <div className="row">
              <button type="button" onClick={save}>
                Save
              </button>
              <button type="button" className="secondary" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <p className="body">
            <MessageText text={m.body} />
          </p>
        )}
        {!deleted && <Attachments message={m} />}
        {!deleted && m.reactions.length > 0 && (
          <div className="reactions" aria-label="Reactions">
            {m.reactions.map((r) => {
              const pressed = r.userIds.includes(me.id);
              return (
                <button
                  key={r.emoji}
                  type="button"
                  className={`reaction${pressed ? ' pressed' : ''}`}
                  aria-pressed={pressed}
                  aria-label={`${r.emoji} ${r.count} reaction${r.count === 1 ? '' : 's'}${pressed ? ', including yours' : ''}`}
                  onClick={() => props.onReact(m, r.emoji)}
                >
                  {r.emoji} <span>{r.count}</span>
                </button>
              );
            })}
          </div>
        )}
        {!props.compact && m.replyCount > 0 && props.onOpenThread && (
          <button type="button" className="link-button" onClick={() => props.onOpenThread!(m)}>
            {m.replyCount} {m.replyCount === 1 ? 'reply' : 'replies'}
          </button>
        )}
        {picking && (
          <div className="reaction-picker" role="group" aria-label="Pick a reaction">
            {QUICK_REACTIONS.map((e) => (
              <button
                key={e}
                type="button"
                aria-label={`React with ${e}`}
                onClick={() => {
                  props.onReact(m, e);
                  setPicking(false);
                }}
              >
                {e}
              </button>
            ))}
          </div>
        )}
      </div>
      {!deleted && !editing && (
        <div className="message-actions" role="toolbar" aria-label="Message actions">
          <button type="button" aria-label="Add reaction" aria-expanded={picking} onClick={() => setPicking((p) => !p)}>
            <Icon name="smile" />
          </button>
          {!props.compact && props.onOpenThread && (
            <button type="button" aria-label="Reply in thread" onClick={() => props.onOpenThread!(m)}>
              <Icon name="reply" />
            </button>
          )}
          {mine && (
            <button
              type="button"
              aria-label="Edit message"
              onClick={() => {
                setDraft(m.body);
                setEditing(true);
              }}
            >
              <Icon name="edit" />
            </button>
          )}
          {(mine || props.canModerate) && (
            <button type="button" aria-label="Delete message" onClick={() => props.onDelete(m)}>
              <Icon name="trash" />
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function PendingItem({ pending: p, me, onRetry, onDiscard }: { pending: PendingMessage; me: User; onRetry: (k: string) => void; onDiscard: (k: string) => void }) {
  return (
    <li className={`message mine ${p.status}`} data-client-key={p.clientKey} aria-label={`${me.displayName || me.username}, ${p.status === 'failed' ? 'not sent' : 'sending'}`}>
      <Avatar user={me} />
      <div className="message-main">
        <div className="message-meta">
          <span className="author">{me.displayName || me.username}</span>{' '}
          <span className="muted status">{p.status === 'pending' ? 'Sending…' : 'Not sent'}</span>
        </div>
        <p className="body">
          <MessageText text={p.body} />
        </p>
        <Attachments message={p} />
        {p.status === 'failed' && (
          <div className="send-error" role="alert">
            <span>{p.error ?? 'This message could not be sent.'}</span>{' '}
            <button type="button" onClick={() => onRetry(p.clientKey)}>
              Retry
            </button>{' '}
            <button type="button" className="secondary" onClick={() => onDiscard(p.clientKey)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
