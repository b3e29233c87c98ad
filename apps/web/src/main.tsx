import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api/http';
import { App } from './App';
import { initSentry } from './sentry';
import { createStore } from './state/store';
import './styles.css';

const store = createStore();

api
  .config()
  .then((config) => {
    store.dispatch({ type: 'config', config });
    return initSentry(config);
  })
  .catch(() => undefined);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
