import { Global, Module } from '@nestjs/common';
import { ClusterSignals } from './cluster-signals.js';
import { EventLog } from './event-log.service.js';

/** The numbered, stored event log every instance delivers from, and the signals instances pass each other. */
@Global()
@Module({ providers: [EventLog, ClusterSignals], exports: [EventLog, ClusterSignals] })
export class EventsModule {}
