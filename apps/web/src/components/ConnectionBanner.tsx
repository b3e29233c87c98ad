import { bannerText, type ConnectionState } from '../realtime/connection-machine';

export function ConnectionBanner({ state }: { state: ConnectionState }) {
  const text = bannerText(state);
  return (
    <div className={`connection-banner${text ? ` visible ${state.status}` : ''}`} role="status" aria-live="polite" data-connection={state.status}>
      {text}
    </div>
  );
}
