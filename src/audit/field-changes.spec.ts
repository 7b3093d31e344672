import { describe, expect, it } from '@jest/globals';
import { fieldChanges, secretChanges } from './field-changes.js';

describe('fieldChanges', () => {
  it('keeps only the fields that differ, old → new', () => {
    expect(fieldChanges({ name: 'a', ids: [1], on: true }, { name: 'b', ids: [1], on: true })).toEqual({ name: { old: 'a', new: 'b' } });
  });

  it('shows a created row from null and a deleted one to null', () => {
    expect(fieldChanges(null, { name: 'a', note: null })).toEqual({ name: { old: null, new: 'a' } });
    expect(fieldChanges({ name: 'a', ids: [2] }, null)).toEqual({ name: { old: 'a', new: null }, ids: { old: [2], new: null } });
  });
});

describe('secretChanges', () => {
  it('says set or cleared, never the value, and leaves out what was not given', () => {
    expect(secretChanges({ password: 'hunter2', token: null, client_secret: undefined })).toEqual({ password: 'set', token: 'cleared' });
  });
});
