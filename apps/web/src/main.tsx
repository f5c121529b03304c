import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createQueryClient } from './api/queries.js';
import { App } from './App.js';
import { takeSetupToken } from './session/setup-token.js';
import './styles.css';

// Before anything renders: the setup link's token leaves the address bar at once.
const setupToken = takeSetupToken(window.location, window.history);
// So does an invite link's.
const inviteToken = takeSetupToken(window.location, window.history, '/invite');

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <App setupToken={setupToken} inviteToken={inviteToken} />
    </QueryClientProvider>
  </StrictMode>,
);
