import { Global, Module } from '@nestjs/common';
import { ClusterSignals } from './cluster-signals.js';
import { EventLog } from './event-log.service.js';
import { EventReplay } from './event-replay.js';
import { EventRetention } from './event-retention.js';
import { EventStore } from './event-store.js';
import { EventWriter } from './event-writer.js';
import { RetainedStates } from './retained-states.js';

/** The numbered, stored event log every instance delivers from, and the signals instances pass each other. */
@Global()
@Module({
  providers: [EventStore, EventLog, EventWriter, EventReplay, EventRetention, RetainedStates, ClusterSignals],
  exports: [EventLog, EventWriter, EventReplay, RetainedStates, ClusterSignals],
})
export class EventsModule {}
