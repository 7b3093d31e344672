import type { FastifyInstance } from 'fastify';
import type { RequestGate } from '../../commands/request-gate.js';
import { errorBody } from '../../common/errors.js';

/**
 * Counts every HTTP request in the gate from the moment its headers arrive until its response is
 * done, so that shutdown waits for it. Once shutdown began, a request is answered `503
 * unavailable` at once, including one on a keep-alive connection opened earlier, which is then
 * closed.
 */
export function admitHttpRequests(fastify: FastifyInstance, gate: RequestGate): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!gate.enter()) {
      void reply.status(503).header('connection', 'close').send(errorBody(gate.shuttingDown()));
      return;
    }
    // 'close' comes once the response is sent or the connection is gone, whichever is first.
    reply.raw.once('close', () => gate.leave());
    done();
  });
}
