import { Module } from '@nestjs/common';
import { CamerasModule } from '../cameras/cameras.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { MediaMtxModule } from '../mediamtx/mediamtx.module.js';
import { CameraExtensions } from './camera-extensions.service.js';
import { TokenEndpointClient } from './token-endpoint.client.js';
import { TokenRefresher } from './token-refresher.service.js';

/** OAuth2 credentials that refresh their access tokens, and the cameras that follow them. */
@Module({
  imports: [CredentialsModule, CamerasModule, MediaMtxModule],
  providers: [TokenEndpointClient, TokenRefresher, CameraExtensions],
})
export class OAuth2Module {}
