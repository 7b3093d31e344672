import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RestController } from './rest.controller.js';
import { REST_ROUTES, restPath, restRoutesOf } from './rest-routes.js';

describe('the REST route table', () => {
  it('is what the controller serves, route for route', () => {
    const prototype = RestController.prototype as unknown as Record<string, object>;
    const served = Object.getOwnPropertyNames(prototype).flatMap((name) => {
      const paths = Reflect.getMetadata(PATH_METADATA, prototype[name]) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, prototype[name]) as RequestMethod | undefined;
      return paths === undefined || method === undefined ? [] : [paths].flat().map((path) => `${RequestMethod[method]} ${path}`);
    });
    expect(served.sort()).toEqual(REST_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('gives a command beyond the five verbs only the route listed for it', () => {
    expect(restRoutesOf('auth', 'refresh', false).map((route) => `${route.method} ${restPath(route, 'auth')}`)).toEqual(['POST /api/auth/refresh']);
    expect(restRoutesOf('users', 'refresh', false)).toEqual([]);
    expect(restRoutesOf('cameras', 'restart', true)).toEqual([]);
  });

  it('puts update on PUT and PATCH, of the entity or of the caller', () => {
    const routes = (entity: boolean) => restRoutesOf('users', 'update', entity).map((route) => `${route.method} ${restPath(route, 'users', '7')}`);
    expect(routes(true)).toEqual(['PUT /api/users/7', 'PATCH /api/users/7']);
    expect(routes(false)).toEqual(['PUT /api/users', 'PATCH /api/users']);
  });
});
