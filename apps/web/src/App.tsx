import type { User } from '@parley/protocol';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { api, onSessionExpired } from './api/http';
import { ApiError, errorMessage } from './api/problem';
import { clearDrafts } from './components/Composer';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Icon } from './components/Icon';
import { roomTitle } from './components/format';
import { Login } from './components/Login';
import { RoomView } from './components/RoomView';
import { Sidebar, type DialogName } from './components/Sidebar';
import { ThreadPanel } from './components/ThreadPanel';
import { ChatClient } from './realtime/client';
import { ClientContext, StoreContext, useChat } from './state/context';
import type { Store } from './state/store';

const Dialogs = lazy(() => import('./components/Dialogs'));

type Phase = { name: 'loading' } | { name: 'login'; notice: string | null } | { name: 'chat' } | { name: 'unreachable'; error: string };

function roomFromHash(): string | null {
  const m = /^#\/rooms\/([0-9a-f-]{36})$/i.exec(location.hash);
  return m ? m[1]! : null;
}

function Chat({ client, onSignOut }: { client: ChatClient; onSignOut: () => void }) {
  const me = useChat((s) => s.me);
  const active = useChat((s) => s.activeRoomId);
  const rooms = useChat((s) => s.rooms);
  const connection = useChat((s) => s.connection);
  const notice = useChat((s) => s.notice);
  const threadRootId = useChat((s) => s.threadRootId);
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const [roomsLoaded, setRoomsLoaded] = useState(false);

  const open = useCallback(
    (roomId: string | null) => {
      client.store.dispatch({ type: 'room.open', roomId });
      const hash = roomId ? `#/rooms/${roomId}` : '';
      if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname);
    },
    [client],
  );

  useEffect(() => {
    client.start();
    client
      .loadRooms()
      .then(() => {
        const wanted = roomFromHash();
        const all = client.store.getState().rooms;
        if (wanted && all[wanted]) open(wanted);
        else if (window.matchMedia?.('(min-width: 701px)').matches) {
          const first = Object.values(all).find((r) => r.kind !== 'dm') ?? Object.values(all)[0];
          if (first) open(first.id);
        }
      })
      .catch((err: unknown) => client.store.dispatch({ type: 'notice', text: errorMessage(err) }))
      .finally(() => setRoomsLoaded(true));
    return () => client.stop();
  }, [client, open]);

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => client.store.dispatch({ type: 'notice', text: null }), 8000);
    return () => clearTimeout(t);
  }, [notice, client]);

  const activeRoom = active ? rooms[active] : undefined;
  useEffect(() => {
    const unread = Object.values(rooms).reduce((n, r) => n + r.unread, 0);
    const where = activeRoom ? ` · ${activeRoom.kind === 'public' ? '#' : ''}${roomTitle(activeRoom, me)}` : '';
    document.title = `${unread ? `(${unread}) ` : ''}Parley${where}`;
  }, [activeRoom, rooms, me]);

  return (
    <div className={`app${active ? ' has-room' : ''}`}>
      <a className="skip-link" href="#composer-anchor">
        Skip to message box
      </a>
      <header className="topbar">
        <span className="brand">Parley</span>
        <ConnectionBanner state={connection} />
        <span className="me">
          <span className="presence online" aria-hidden="true" /> {me?.displayName || me?.username}
        </span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {notice && (
        <div className="toast" role="alert">
          {notice}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => client.store.dispatch({ type: 'notice', text: null })}>
            <Icon name="close" />
          </button>
        </div>
      )}
      <div className="layout">
        <Sidebar onOpen={open} onDialog={setDialog} />
        <main className="main" id="composer-anchor">
          {activeRoom ? (
            <RoomView key={activeRoom.id} roomId={activeRoom.id} onDialog={setDialog} onBack={() => open(null)} />
          ) : (
            <div className="empty">
              {roomsLoaded && Object.keys(rooms).length === 0 ? (
                <>
                  <h2>Welcome to Parley</h2>
                  <p>Join a channel or start a conversation.</p>
                  <p className="row">
                    <button type="button" onClick={() => setDialog('browse')}>
                      Browse channels
                    </button>
                    <button type="button" className="secondary" onClick={() => setDialog('create')}>
                      Create a channel
                    </button>
                  </p>
                </>
              ) : (
                <p className="muted">Pick a room.</p>
              )}
            </div>
          )}
        </main>
        {activeRoom && threadRootId && <ThreadPanel key={threadRootId} roomId={activeRoom.id} rootId={threadRootId} />}
      </div>
      {dialog && (
        <Suspense fallback={null}>
          <Dialogs name={dialog} roomId={active} onClose={() => setDialog(null)} onOpen={open} />
        </Suspense>
      )}
    </div>
  );
}

export function App({ store }: { store: Store }) {
  const [phase, setPhase] = useState<Phase>({ name: 'loading' });
  const [session, setSession] = useState(0);
  const client = useMemo(
    () =>
      new ChatClient({
        store,
        onSignedOut: () => {
          store.dispatch({ type: 'signedOut' });
          setPhase({ name: 'login', notice: 'You were signed out. Sign in again to continue.' });
        },
      }),
    // A fresh client per session.
    [store, session],
  );

  const signedIn = useCallback(
    (me: User) => {
      store.dispatch({ type: 'signedIn', me });
      setSession((s) => s + 1);
      setPhase({ name: 'chat' });
    },
    [store],
  );

  const boot = useCallback(() => {
    setPhase({ name: 'loading' });
    api.me().then(signedIn, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) setPhase({ name: 'login', notice: null });
      else setPhase({ name: 'unreachable', error: errorMessage(err) });
    });
  }, [signedIn]);

  useEffect(() => {
    onSessionExpired(() => {
      store.dispatch({ type: 'signedOut' });
      setPhase({ name: 'login', notice: 'Your session has expired. Sign in again: your unsent drafts are kept.' });
    });
    boot();
    return () => onSessionExpired(null);
  }, [boot, store]);

  const signOut = async () => {
    try {
      await api.logout();
    } catch {
      /* signed out locally anyway */
    }
    clearDrafts();
    store.dispatch({ type: 'signedOut' });
    setPhase({ name: 'login', notice: null });
  };

  return (
    <StoreContext.Provider value={store}>
      <ClientContext.Provider value={client}>
        {phase.name === 'loading' && (
          <div className="splash" role="status">
            Loading Parley…
          </div>
        )}
        {phase.name === 'unreachable' && (
          <div className="splash" role="alert">
            <p>{phase.error}</p>
            <button type="button" onClick={boot}>
              Try again
            </button>
          </div>
        )}
        {phase.name === 'login' && <Login onSignedIn={signedIn} notice={phase.notice} />}
        {phase.name === 'chat' && <Chat key={session} client={client} onSignOut={() => void signOut()} />}
      </ClientContext.Provider>
    </StoreContext.Provider>
  );
}
