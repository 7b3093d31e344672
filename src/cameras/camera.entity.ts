import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type RtspTransport = 'automatic' | 'udp' | 'tcp';

/** Where an oauth2 credential's access token goes in the source URL: the `access_token` query parameter, or the user info. */
export const OAUTH2_TOKEN_PLACES = ['query', 'userinfo'] as const;
export type OAuth2TokenPlace = (typeof OAUTH2_TOKEN_PLACES)[number];

@Entity({ name: 'cameras' })
export class Camera {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ name: 'mtx_path', type: 'varchar', length: 255 })
  mtxPath!: string;

  @Column({ name: 'source_url', type: 'text' })
  sourceUrl!: string;

  @Column({ name: 'credential_id', type: 'integer', nullable: true })
  credentialId!: number | null;

  @Column({ name: 'rtsp_transport', type: 'varchar', length: 16, default: 'automatic' })
  rtspTransport!: RtspTransport;

  @Column({ name: 'oauth2_token_in', type: 'varchar', length: 16, default: 'query' })
  oauth2TokenIn!: OAuth2TokenPlace;

  @Column({ name: 'is_enabled', type: 'boolean', default: true })
  isEnabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A user may watch a camera. */
@Entity({ name: 'camera_grants' })
export class CameraGrant {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @PrimaryColumn({ name: 'camera_id', type: 'integer' })
  cameraId!: number;
}
