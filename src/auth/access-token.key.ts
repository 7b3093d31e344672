import { createSecretKey, type KeyObject } from 'node:crypto';
import type { FactoryProvider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

export const ACCESS_TOKEN_KEY = Symbol('ACCESS_TOKEN_KEY');

/**
 * The one key that signs and verifies access tokens, made once: given a string, jsonwebtoken
 * first tries (and fails) to parse it as a public key on every call.
 */
export const accessTokenKey: FactoryProvider<KeyObject> = {
  provide: ACCESS_TOKEN_KEY,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => createSecretKey(Buffer.from(config.jwtSecret, 'utf8')),
};
