import { Global, Module } from '@nestjs/common';
import { EventLog } from './event-log.service.js';

/** The numbered, stored event log every instance delivers from. */
@Global()
@Module({ providers: [EventLog], exports: [EventLog] })
export class EventsModule {}
