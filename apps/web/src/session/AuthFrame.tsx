import type { ReactNode } from 'react';
import { PageTitle } from '../shell/PageTitle.js';

/** The frame of the pages before login: one centred card. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="auth">
      <div className="auth-card">
        <p className="brand">Berth</p>
        <PageTitle title={title}>{title}</PageTitle>
        {children}
      </div>
    </main>
  );
}
