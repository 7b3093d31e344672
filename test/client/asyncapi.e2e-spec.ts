import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Parser } from '@asyncapi/parser';
import { parse as parseYaml } from 'yaml';
import { COMMANDS, TOPIC_EVENTS } from '@mtx-relay/client';
import { startServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let document: any;

beforeAll(async () => {
  server = await startServer();
  const answer = await server.http('GET', '/api/docs/asyncapi.json');
  expect(answer.status).toBe(200);
  document = answer.body;
});

afterAll(async () => {
  await server?.stop();
});

/** Every module and command the running server registered, from its OpenAPI and AsyncAPI documents. */
const registered = (): string[] =>
  Object.values(document.operations as Record<string, { action: string; messages: Array<{ $ref: string }> }>)
    .filter((operation) => operation.action === 'send' && operation.messages[0].$ref.startsWith('#/channels/request/'))
    .map((operation) => operation.messages[0].$ref.split('/').at(-1)!)
    .sort();

describe('the AsyncAPI document', () => {
  it('is valid AsyncAPI 3.0 by the official parser, as JSON and as YAML', async () => {
    expect(document.asyncapi).toBe('3.0.0');
    const parser = new Parser();
    const errors = (diagnostics: Array<{ severity: number; message: string; path: Array<string | number> }>) =>
      diagnostics.filter((diagnostic) => diagnostic.severity === 0).map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);
    const fromJson = await parser.parse(JSON.stringify(document));
    expect(errors(fromJson.diagnostics as never)).toEqual([]);
    expect(fromJson.document).toBeDefined();
    const yaml = await server.http('GET', '/api/docs/asyncapi.yaml');
    expect(yaml.status).toBe(200);
    expect(parseYaml(yaml.text)).toEqual(document);
    const fromYaml = await parser.parse(yaml.text);
    expect(errors(fromYaml.diagnostics as never)).toEqual([]);
  });

  it('has every registered command, and the client knows exactly those', () => {
    const inClient = Object.entries(COMMANDS).flatMap(([module, commands]) => Object.keys(commands).map((command) => `${module}.${command}`)).sort();
    expect(registered()).toEqual(inClient);
    const create = document.channels.request.messages['cameras.create'];
    expect(create.payload.required).toEqual(['module', 'command', 'requestId', 'payload']);
    expect(create.payload.properties.payload.properties.mtx_path).toBeDefined();
    expect(document.channels.answer.messages['cameras.create.answer'].payload.properties.id).toBeDefined();
    expect(document.channels.answer.messages.error.payload.properties.error.properties.code.enum).toContain('gone');
    expect(document.operations['cameras.read'].reply.address.location).toBe('$message.payload#/requestId');
  });

  it('has every topic with its wildcard forms, and the session and system events', () => {
    const addresses = Object.values(document.channels as Record<string, { address: string | null }>).map((channel) => channel.address);
    for (const [domain, events] of Object.entries(TOPIC_EVENTS)) {
      for (const event of events) expect(addresses).toContain(`${domain}:${event}`);
      expect(addresses).toContain(`${domain}:*`);
    }
    for (const address of ['nestmtx:*', 'init', 'failure', 'log', 'session:expiring', 'session:expired', 'session:revoked', 'system:shutdown', 'system:disconnect', 'request']) {
      expect(addresses).toContain(address);
    }
    expect(document.servers.relay.security).toEqual([{ $ref: '#/components/securitySchemes/bearer' }]);
  });

  it('is linked from the OpenAPI document shown at /api/docs', async () => {
    const openapi = await server.http('GET', '/api/docs-json');
    expect(openapi.body.info.description).toContain('/api/docs/asyncapi.json');
    expect(openapi.body.info.description).toContain('/api/docs/asyncapi.yaml');
  });
});
