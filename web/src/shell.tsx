import type { JSX } from 'preact';
import { route } from './router';
import { signOut, tokens } from './session';

interface PageEntry {
  id: string;
  title: string;
  adminOnly: boolean;
  render: () => JSX.Element;
}

const placeholder = (title: string) => () => (
  <section>
    <h1>{title}</h1>
  </section>
);

export const PAGES: PageEntry[] = [
  { id: 'cameras', title: 'Cameras', adminOnly: false, render: placeholder('Cameras') },
];

export function Shell(): JSX.Element {
  const user = tokens.value!.user;
  const pages = PAGES.filter((page) => !page.adminOnly || user.role === 'admin');
  const page = pages.find((entry) => entry.id === route.value) ?? pages[0];
  return (
    <div class="shell">
      <header>
        <a
          class="skip"
          href="#main"
          onClick={(event) => {
            event.preventDefault();
            document.getElementById('main')?.focus();
          }}
        >
          Skip to content
        </a>
        <span class="brand">mtx-relay</span>
        <nav aria-label="Pages">
          <ul>
            {pages.map((entry) => (
              <li key={entry.id}>
                <a href={`#/${entry.id}`} aria-current={entry === page ? 'page' : undefined}>
                  {entry.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {user.username} ({user.role})
        </span>
        <button type="button" class="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>{page.render()}</main>
    </div>
  );
}
