import { useEffect } from 'preact/hooks';
import type { JSX } from 'preact';
import { restoreSession, restoring, tokens } from './session';
import { SignIn } from './pages/sign-in';
import { Shell } from './shell';

export function App(): JSX.Element | null {
  useEffect(() => {
    void restoreSession();
  }, []);
  if (restoring.value) return null;
  const current = tokens.value;
  return current ? <Shell key={current.user.id} /> : <SignIn />;
}
