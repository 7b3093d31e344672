import { ApiError } from './api-error.js';

/** The Control API's reading of request bodies, paging parameters and session ids. */

export function parseJsonBody(body: string): unknown {
  if (body.trim() === '') throw new ApiError(400, 'unexpected end of JSON input');
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ApiError(400, `invalid character in JSON input: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseUint31(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new ApiError(400, `strconv.ParseUint: parsing "${value}": invalid syntax`);
  const n = Number(value);
  if (n > 2 ** 31 - 1) throw new ApiError(400, `strconv.ParseUint: parsing "${value}": value out of range`);
  return n;
}

/** paginate(): {itemCount, pageCount, items}; itemsPerPage default 100, page 0-based. */
export function paginate<T>(items: T[], params: URLSearchParams): { itemCount: number; pageCount: number; items: T[] } {
  let itemsPerPage = 100;
  const ipp = params.get('itemsPerPage') ?? '';
  if (ipp !== '') {
    itemsPerPage = parseUint31(ipp);
    if (itemsPerPage === 0) throw new ApiError(400, 'invalid items per page');
  }
  const pageParam = params.get('page') ?? '';
  const page = pageParam !== '' ? parseUint31(pageParam) : 0;
  if (items.length === 0) return { itemCount: 0, pageCount: 0, items: [] };
  const pageCount = Math.ceil(items.length / itemsPerPage);
  const from = Math.min(page * itemsPerPage, items.length);
  const to = Math.min((page + 1) * itemsPerPage, items.length);
  return { itemCount: items.length, pageCount, items: items.slice(from, to) };
}

/** google/uuid Parse (the forms MediaMTX accepts in /kick/:id and /get/:id), canonical lower case. */
export function parseUuid(raw: string): string {
  let s = raw;
  if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') s = s.slice(9);
  else if (s.length === 38 && s[0] === '{' && s[37] === '}') s = s.slice(1, 37);
  else if (s.length === 32) s = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  else if (s.length !== 36) throw new ApiError(400, `invalid UUID length: ${raw.length}`);
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) throw new ApiError(400, 'invalid UUID format');
  return s.toLowerCase();
}

export function normalizeUuid(id: string): string {
  try {
    return parseUuid(id);
  } catch {
    throw new Error(`not a UUID: ${id} (MediaMTX session ids are UUIDs)`);
  }
}
