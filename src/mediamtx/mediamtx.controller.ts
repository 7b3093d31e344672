import { Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { HooksService } from './hooks.service.js';

type HookHeaders = Record<string, string | undefined>;

/**
 * MediaMTX's hooks. Not registry commands: MediaMTX speaks its own shapes. Public routes that only
 * MediaMTX may call, with the hook secret in a header. Its auth callback is a direct route ahead of
 * Nest: auth-callback.route.ts.
 */
@Controller('api/mediamtx')
export class MediaMtxController {
  constructor(private readonly hooks: HooksService) {}

  @Post('hooks/:event')
  @HttpCode(204)
  async hook(@Param('event') event: string, @Headers() headers: HookHeaders): Promise<void> {
    await this.hooks.handle(event, {
      secret: headers['x-hook-secret'],
      path: headers['x-mtx-path'],
      query: headers['x-mtx-query'],
      sourceType: headers['x-mtx-source-type'],
      sourceId: headers['x-mtx-source-id'],
      readerType: headers['x-mtx-reader-type'],
      readerId: headers['x-mtx-reader-id'],
    });
  }
}
