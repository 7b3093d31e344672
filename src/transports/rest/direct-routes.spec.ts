import { describe, expect, it } from '@jest/globals';
import { targets } from './direct-routes.js';

describe('which request targets a direct route takes', () => {
  const path = '/api/mediamtx/auth';

  it('takes the path, with a trailing slash, with a query', () => {
    for (const url of [path, `${path}/`, `${path}?secret=s`, `${path}/?secret=s&x=1`, `${path}?`]) expect({ url, taken: targets(url, path) }).toEqual({ url, taken: true });
  });

  it('leaves every other path to the main instance', () => {
    for (const url of [`${path}x`, `${path}/x`, `${path}//`, `${path}#x`, '/api/mediamtx/hooks/ready', '/api/mediamtx', `/x${path}`, path.toUpperCase()]) {
      expect({ url, taken: targets(url, path) }).toEqual({ url, taken: false });
    }
  });
});
