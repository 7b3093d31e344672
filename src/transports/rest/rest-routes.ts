export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRoute {
  method: HttpMethod;
  /** Below the prefix, in the router's syntax: `:module` names the module, `:id` the entity. */
  path: string;
  command: string;
  /** The module of a route whose path names none. */
  module?: string;
  /** Whether `:id` is the command's entity. */
  entity: boolean;
  payload: 'query' | 'body' | 'none';
}

export const REST_PREFIX = 'api';

/**
 * Every REST route there is, and the command each one runs. The controller serves exactly these,
 * the OpenAPI document describes them, and nothing else reaches a command over HTTP.
 */
export const REST_ROUTES: readonly RestRoute[] = [
  { method: 'GET', path: ':module', command: 'list', entity: false, payload: 'query' },
  { method: 'GET', path: ':module/:id', command: 'read', entity: true, payload: 'none' },
  { method: 'POST', path: ':module', command: 'create', entity: false, payload: 'body' },
  { method: 'PUT', path: ':module/:id', command: 'update', entity: true, payload: 'body' },
  { method: 'PATCH', path: ':module/:id', command: 'update', entity: true, payload: 'body' },
  { method: 'DELETE', path: ':module/:id', command: 'delete', entity: true, payload: 'none' },
  // Updates and deletes of the caller's own state, such as `DELETE /api/auth` (log out).
  { method: 'PUT', path: ':module', command: 'update', entity: false, payload: 'body' },
  { method: 'PATCH', path: ':module', command: 'update', entity: false, payload: 'body' },
  { method: 'DELETE', path: ':module', command: 'delete', entity: false, payload: 'none' },
  // A command beyond the five verbs has a REST route only if it is listed here.
  { method: 'POST', path: 'auth/refresh', module: 'auth', command: 'refresh', entity: false, payload: 'body' },
];

export const restPaths = (method: HttpMethod): string[] => REST_ROUTES.filter((route) => route.method === method).map((route) => route.path);

/** The route the router matched, by its method and registered URL (`/api/:module/:id`). */
export function restRouteAt(method: HttpMethod, url: string | undefined): RestRoute {
  const route = REST_ROUTES.find((candidate) => candidate.method === method && `/${REST_PREFIX}/${candidate.path}` === url);
  if (!route) throw new Error(`${method} ${url} is not in the REST route table`);
  return route;
}

/** The routes that run `module.command`, given whether it takes an entity. */
export function restRoutesOf(module: string, command: string, entity: boolean): RestRoute[] {
  return REST_ROUTES.filter((route) => route.command === command && (route.module ?? module) === module && route.entity === entity);
}

/** A route's path for one module; the entity defaults to the OpenAPI template `{id}`. */
export function restPath(route: RestRoute, module: string, entity = '{id}'): string {
  return `/${REST_PREFIX}/${route.path.replace(':module', module).replace(':id', entity)}`;
}
