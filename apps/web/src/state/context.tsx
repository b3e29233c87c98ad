import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ChatClient } from '../realtime/client';
import type { ChatState, Store } from './store';

export const StoreContext = createContext<Store | null>(null);
export const ClientContext = createContext<ChatClient | null>(null);

export function useStore(): Store {
  const s = useContext(StoreContext);
  if (!s) throw new Error('StoreContext missing');
  return s;
}

export function useChat<T>(select: (s: ChatState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

export function useClient(): ChatClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('ClientContext missing');
  return c;
}
