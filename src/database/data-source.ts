import { DataSource } from 'typeorm';
import { AuthSession, RefreshToken } from '../auth/session.entity.js';
import { Camera, CameraGrant } from '../cameras/camera.entity.js';
import { Credential } from '../credentials/credential.entity.js';
import { MediaMtxPath } from '../mediamtx/mediamtx-path.entity.js';
import { StreamToken } from '../tokens/stream-token.entity.js';
import { User } from '../users/user.entity.js';
import { Init1732300000000 } from './migrations/1732300000000-init.js';
import { CamerasCredentials1732400000000 } from './migrations/1732400000000-cameras-credentials.js';
import { MediaMtx1732500000000 } from './migrations/1732500000000-mediamtx.js';
import { Events1732600000000 } from './migrations/1732600000000-events.js';
import { EventsNotifySeq1732700000000 } from './migrations/1732700000000-events-notify-seq.js';
import { EventsAudiences1732800000000 } from './migrations/1732800000000-events-audiences.js';
import { AuditLog1732900000000 } from './migrations/1732900000000-audit-log.js';
import { ClusterState1733000000000 } from './migrations/1733000000000-cluster-state.js';
import { RelayedHooks1733100000000 } from './migrations/1733100000000-relayed-hooks.js';
import { OAuth2RefreshedAt1733200000000 } from './migrations/1733200000000-oauth2-refreshed-at.js';

const ENTITIES = [User, AuthSession, RefreshToken, Credential, Camera, CameraGrant, MediaMtxPath, StreamToken];
const MIGRATIONS = [
  Init1732300000000,
  CamerasCredentials1732400000000,
  MediaMtx1732500000000,
  Events1732600000000,
  EventsNotifySeq1732700000000,
  EventsAudiences1732800000000,
  AuditLog1732900000000,
  ClusterState1733000000000,
  RelayedHooks1733100000000,
  OAuth2RefreshedAt1733200000000,
];

export interface DatabaseTimeouts {
  /** How long a query may go unanswered (DATABASE_QUERY_TIMEOUT). */
  querySeconds: number;
  /** How long opening a connection, or waiting for a free one, may take (DATABASE_CONNECT_TIMEOUT). */
  connectSeconds: number;
}

/** The one DataSource definition: entities, migrations and connection settings. */
export function createDataSource(url: string, { querySeconds, connectSeconds }: DatabaseTimeouts): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      max: 20,
      connectionTimeoutMillis: connectSeconds * 1000,
      // Keeps a dead server from holding requests for long.
      query_timeout: querySeconds * 1000,
      // PostgreSQL cancels a statement a moment before the relay would give up on it: a statement
      // given up on (an event insert delivered without seq, say) never commits later, and its
      // connection goes back to the pool idle rather than still busy with it.
      statement_timeout: querySeconds * 1000 - Math.min(1000, querySeconds * 100),
    },
  });
}
