import type { Member, Room, User } from '@parley/protocol';
import { Icon } from './Icon';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/http';
import { errorMessage } from '../api/problem';
import { useChat, useClient } from '../state/context';
import type { DialogName } from './Sidebar';

/** A modal built on <dialog>: the browser traps focus, Escape closes, focus returns to the opener. */
function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal?.();
    return () => opener?.focus?.();
  }, []);
  return (
    <dialog ref={ref} className="modal" aria-labelledby="modal-title" onClose={onClose} onCancel={onClose}>
      <header>
        <h2 id="modal-title">{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {children}
    </dialog>
  );
}

function useSearch<T>(fn: (q: string) => Promise<{ items: T[] }>, q: string) {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      fn(q).then(
        (r) => live && (setItems(r.items), setError(null)),
        (err: unknown) => live && setError(errorMessage(err)),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q, fn]);
  return { items, error };
}

function BrowseDialog({ onClose, onOpen }: { onClose: () => void; onOpen: (id: string) => void }) {
  const client = useClient();
  const mine = useChat((s) => s.rooms);
  const [q, setQ] = useState('');
  const { items, error } = useSearch<Room>(api.publicRooms, q);
  const [joinError, setJoinError] = useState<string | null>(null);
  const join = async (r: Room) => {
    try {
      const room = mine[r.id] ?? (await api.joinRoom(r.id));
      client.addRoom(room);
      onOpen(room.id);
      onClose();
    } catch (err) {
      setJoinError(errorMessage(err));
    }
  };
  return (
    <Modal title="Browse channels" onClose={onClose}>
      <label>
        Search channels
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
      </label>
      {(error || joinError) && (
        <p className="error" role="alert">
          {error ?? joinError}
        </p>
      )}
      <ul className="pick-list">
        {items.map((r) => (
          <li key={r.id}>
            <div>
              <strong>#{r.name}</strong> <span className="muted">{r.memberCount} members</span>
              {r.topic && <p className="muted small">{r.topic}</p>}
            </div>
            <button type="button" onClick={() => void join(r)} aria-label={`${mine[r.id] ? 'Open' : 'Join'} ${r.name}`}>
              {mine[r.id] ? 'Open' : 'Join'}
            </button>
          </li>
        ))}
        {items.length === 0 && !error && <li className="muted">No channels found.</li>}
      </ul>
    </Modal>
  );
}

function CreateDialog({ onClose, onOpen }: { onClose: () => void; onOpen: (id: string) => void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [kind, setKind] = useState<'public' | 'private'>('public');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const room = await api.createRoom({ kind, name: name.trim(), ...(topic.trim() ? { topic: topic.trim() } : {}) });
      client.addRoom(room);
      onOpen(room.id);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Modal title="Create a channel" onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={80} autoFocus />
        </label>
        <label>
          Topic <span className="muted">(optional)</span>
          <input value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={250} />
        </label>
        <fieldset>
          <legend>Who can find it</legend>
          <label className="inline">
            <input type="radio" name="kind" checked={kind === 'public'} onChange={() => setKind('public')} /> Public: anyone can join
          </label>
          <label className="inline">
            <input type="radio" name="kind" checked={kind === 'private'} onChange={() => setKind('private')} /> Private: invited people only
          </label>
        </fieldset>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Create channel</button>
      </form>
    </Modal>
  );
}

function UserPicker({ title, action, onPick, onClose, exclude }: { title: string; action: string; onPick: (u: User) => Promise<void>; onClose: () => void; exclude?: Set<string> }) {
  const me = useChat((s) => s.me);
  const [q, setQ] = useState('');
  const { items, error } = useSearch<User>(api.searchUsers, q);
  const [pickError, setPickError] = useState<string | null>(null);
  const [done, setDone] = useState<Set<string>>(new Set());
  const users = items.filter((u) => u.id !== me?.id && !exclude?.has(u.id));
  return (
    <Modal title={title} onClose={onClose}>
      <label>
        Search people
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
      </label>
      {(error || pickError) && (
        <p className="error" role="alert">
          {error ?? pickError}
        </p>
      )}
      <ul className="pick-list">
        {users.map((u) => (
          <li key={u.id}>
            <span>
              <strong>{u.displayName || u.username}</strong> <span className="muted">@{u.username}</span>
            </span>
            <button
              type="button"
              disabled={done.has(u.id)}
              aria-label={done.has(u.id) ? `${u.displayName || u.username}: done` : `${action} ${u.displayName || u.username}`}
              onClick={() =>
                onPick(u).then(
                  () => setDone((d) => new Set(d).add(u.id)),
                  (err: unknown) => setPickError(errorMessage(err)),
                )
              }
            >
              {done.has(u.id) ? 'Done' : action}
            </button>
          </li>
        ))}
        {users.length === 0 && !error && <li className="muted">Nobody found.</li>}
      </ul>
    </Modal>
  );
}

function MembersDialog({ roomId, onClose }: { roomId: string; onClose: () => void }) {
  const online = useChat((s) => s.online);
  const client = useClient();
  const [members, setMembers] = useState<Member[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.members(roomId).then(
      (r) => {
        setMembers(r.items);
        for (const m of r.items) client.store.dispatch({ type: 'presence', userId: m.user.id, online: m.online });
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [roomId, client]);
  return (
    <Modal title="Members" onClose={onClose}>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="pick-list">
        {members.map((m) => (
          <li key={m.user.id}>
            <span>
              <span className={`presence ${online[m.user.id] ? 'online' : 'offline'}`} aria-label={online[m.user.id] ? 'online' : 'offline'} role="img" />{' '}
              <strong>{m.user.displayName || m.user.username}</strong> <span className="muted">@{m.user.username}</span>
            </span>
            <span className="muted">{m.role}</span>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

export default function Dialogs({ name, roomId, onClose, onOpen }: { name: DialogName; roomId: string | null; onClose: () => void; onOpen: (id: string) => void }) {
  const client = useClient();
  switch (name) {
    case 'browse':
      return <BrowseDialog onClose={onClose} onOpen={onOpen} />;
    case 'create':
      return <CreateDialog onClose={onClose} onOpen={onOpen} />;
    case 'direct':
      return (
        <UserPicker
          title="New direct message"
          action="Message"
          onClose={onClose}
          onPick={async (u) => {
            const room = await api.createDirect(u.id);
            client.addRoom(room);
            onOpen(room.id);
            onClose();
          }}
        />
      );
    case 'invite':
      return roomId ? <UserPicker title="Invite people" action="Invite" onClose={onClose} onPick={async (u) => void (await api.invite(roomId, u.id))} /> : null;
    case 'members':
      return roomId ? <MembersDialog roomId={roomId} onClose={onClose} /> : null;
  }
}
