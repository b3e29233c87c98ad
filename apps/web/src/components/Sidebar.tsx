import type { Room } from '@parley/protocol';
import { Icon } from './Icon';
import { useChat } from '../state/context';
import { roomPrefix, roomTitle } from './format';

export type DialogName = 'browse' | 'create' | 'direct' | 'invite' | 'members';

export function Sidebar({ onOpen, onDialog }: { onOpen: (roomId: string) => void; onDialog: (d: DialogName) => void }) {
  const rooms = useChat((s) => s.rooms);
  const me = useChat((s) => s.me);
  const active = useChat((s) => s.activeRoomId);
  const online = useChat((s) => s.online);
  const list = Object.values(rooms).sort((a, b) => roomTitle(a, me).localeCompare(roomTitle(b, me)));
  const channels = list.filter((r) => r.kind !== 'dm');
  const dms = list.filter((r) => r.kind === 'dm');

  const item = (r: Room) => {
    const title = roomTitle(r, me);
    const peer = r.kind === 'dm' ? (r.peers ?? []).find((p) => p.id !== me?.id) : undefined;
    return (
      <li key={r.id}>
        <button
          type="button"
          className={`room-link${r.id === active ? ' active' : ''}${r.unread ? ' has-unread' : ''}`}
          aria-current={r.id === active ? 'page' : undefined}
          onClick={() => onOpen(r.id)}
          aria-label={`${title}${r.unread ? `, ${r.unread} unread` : ''}${peer ? (online[peer.id] ? ', online' : ', offline') : ''}`}
        >
          {peer ? <span className={`presence ${online[peer.id] ? 'online' : 'offline'}`} aria-hidden="true" /> : <span className="prefix" aria-hidden="true">{r.kind === 'private' ? <Icon name="lock" size={14} /> : roomPrefix(r)}</span>}
          <span className="room-name">{title}</span>
          {r.unread > 0 && (
            <span className="badge" aria-hidden="true">
              {r.unread > 99 ? '99+' : r.unread}
            </span>
          )}
        </button>
      </li>
    );
  };

  return (
    <nav className="sidebar" aria-label="Rooms">
      <div className="sidebar-section">
        <div className="sidebar-heading">
          <h2>Channels</h2>
          <button type="button" className="icon-button" aria-label="Create a channel" title="Create a channel" onClick={() => onDialog('create')}>
            <Icon name="plus" />
          </button>
        </div>
        <ul>{channels.map(item)}</ul>
        <button type="button" className="link-button" onClick={() => onDialog('browse')}>
          Browse channels
        </button>
      </div>
      <div className="sidebar-section">
        <div className="sidebar-heading">
          <h2>Direct messages</h2>
          <button type="button" className="icon-button" aria-label="New direct message" title="New direct message" onClick={() => onDialog('direct')}>
            <Icon name="plus" />
          </button>
        </div>
        <ul>{dms.map(item)}</ul>
      </div>
    </nav>
  );
}
