import { Global, Module } from '@nestjs/common';
import { ControlConnection } from './control-connection.js';
import { Leadership } from './leadership.service.js';

/** This instance's control connection and whether it runs the background work. */
@Global()
@Module({ providers: [ControlConnection, Leadership], exports: [ControlConnection, Leadership] })
export class JobsModule {}
