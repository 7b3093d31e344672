import { signal } from '@preact/signals';

/** The page in the address's hash (`#/cameras`): no server route is needed for any page. */
export const route = signal(readRoute());

function readRoute(): string {
  return location.hash.replace(/^#\/?/, '').split('/')[0] || 'cameras';
}

addEventListener('hashchange', () => {
  route.value = readRoute();
});
