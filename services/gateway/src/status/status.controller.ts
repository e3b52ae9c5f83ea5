import { Controller, Get, Headers, Inject, Param } from '@nestjs/common';
import { z } from 'zod';
import { allowsTarget } from '@flowcast/common/auth';
import { FlowcastError, type LogStatus, type StatsUpdatedPayload, type UploadProgress } from '@flowcast/common/contracts';
import { GatewayAuth } from '../auth/gateway-auth.js';
import { StatsService } from '../stats/stats.service.js';
import { STATUS_VIEW, type StatusView } from './status-view.js';

const id = z.uuid();

/**
 * Where a message or an upload is, for clients that reconnect or poll instead of listening.
 * With SOCKET_AUTH_SECRET, each call needs `Authorization: Bearer <token>`, and a message or an
 * upload is shown only to a token that allows it (a batch's logId: through its uploadId too).
 */
@Controller('api')
export class StatusController {
  constructor(
    @Inject(STATUS_VIEW) private readonly view: StatusView,
    private readonly stats: StatsService,
    private readonly auth: GatewayAuth,
  ) {}

  @Get('logs/:logId')
  async log(@Param('logId') logId: string, @Headers('authorization') authorization: string | undefined): Promise<LogStatus> {
    const access = await this.auth.authorizeRequest(authorization);
    const status = await this.view.log(parseId('logId', logId));
    if (access !== undefined && !allowsTarget(access, { logId }) && (status?.uploadId === undefined || !allowsTarget(access, { uploadId: status.uploadId }))) {
      // Unknown or not allowed: the same answer, so that a token cannot probe which ids exist.
      throw forbidden('logId', logId);
    }
    if (status === undefined) throw notFound('message', 'logId', logId);
    return status;
  }

  @Get('uploads/:uploadId')
  async upload(@Param('uploadId') uploadId: string, @Headers('authorization') authorization: string | undefined): Promise<UploadProgress> {
    const access = await this.auth.authorizeRequest(authorization);
    parseId('uploadId', uploadId);
    if (access !== undefined && !allowsTarget(access, { uploadId })) throw forbidden('uploadId', uploadId);
    const progress = await this.view.upload(uploadId);
    if (progress === undefined) throw notFound('upload', 'uploadId', uploadId);
    return progress;
  }

  @Get('stats')
  async current(@Headers('authorization') authorization: string | undefined): Promise<StatsUpdatedPayload> {
    await this.auth.authorizeRequest(authorization);
    return this.stats.current();
  }
}

function forbidden(field: string, value: string): FlowcastError {
  return new FlowcastError('FORBIDDEN', `Your token does not allow ${field} ${value}`, { details: { field } });
}

function parseId(field: string, value: string): string {
  if (!id.safeParse(value).success) {
    throw new FlowcastError('VALIDATION_FAILED', `${field} must be a UUID`, { details: { field } });
  }
  return value;
}

function notFound(what: string, field: string, value: string): FlowcastError {
  return new FlowcastError(
    'NOT_FOUND',
    `No ${what} with ${field} ${value} yet: its first event has not been seen, or it expired from the status view`,
    { details: { field } },
  );
}
