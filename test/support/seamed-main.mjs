// Runs the built relay with test seams (src/common/test-seams.ts) that hold it at chosen points.
// test-server.ts starts it instead of main.js when a test asks for `seams`: MTX_RELAY_RUN names
// the build's run.js, TEST_SEAMS the delays as JSON ({handshakeDelayMs, replayDelayMs,
// relayedHooksDelayMs}) and failAuditOf, a `module.command` whose audit insert fails.
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const { handshakeDelayMs = 0, replayDelayMs = 0, relayedHooksDelayMs = 0, failAuditOf } = JSON.parse(process.env.TEST_SEAMS ?? '{}');
const { runServer } = await import(pathToFileURL(process.env.MTX_RELAY_RUN).href);

await runServer({
  afterHandshakeRead: handshakeDelayMs > 0
    ? async (userId) => {
        process.stdout.write(`${JSON.stringify({ seam: 'afterHandshakeRead', userId, ms: handshakeDelayMs })}\n`);
        await sleep(handshakeDelayMs);
      }
    : undefined,
  beforeReplayPage: replayDelayMs > 0 ? () => sleep(replayDelayMs) : undefined,
  beforeAuditInsert: failAuditOf
    ? async (records) => {
        if (records.some(({ module, command }) => `${module}.${command}` === failAuditOf)) throw new Error(`audit insert of ${failAuditOf} failed on purpose`);
      }
    : undefined,
  beforeRelayedHooksTaken: relayedHooksDelayMs > 0 ? () => sleep(relayedHooksDelayMs) : undefined,
});
