import { Controller, Get, Inject, Param } from '@nestjs/common';
import { z } from 'zod';
import { FlowcastError, type LogStatus, type StatsUpdatedPayload, type UploadProgress } from '@flowcast/common/contracts';
import { StatsService } from '../stats/stats.service.js';
import { STATUS_VIEW, type StatusView } from './status-view.js';

const id = z.uuid();

/** Where a message or an upload is, for clients that reconnect or poll instead of listening. */
@Controller('api')
export class StatusController {
  constructor(
    @Inject(STATUS_VIEW) private readonly view: StatusView,
    private readonly stats: StatsService,
  ) {}

  @Get('logs/:logId')
  async log(@Param('logId') logId: string): Promise<LogStatus> {
    const status = await this.view.log(parseId('logId', logId));
    if (status === undefined) throw notFound('message', 'logId', logId);
    return status;
  }

  @Get('uploads/:uploadId')
  async upload(@Param('uploadId') uploadId: string): Promise<UploadProgress> {
    const progress = await this.view.upload(parseId('uploadId', uploadId));
    if (progress === undefined) throw notFound('upload', 'uploadId', uploadId);
    return progress;
  }

  @Get('stats')
  current(): Promise<StatsUpdatedPayload> {
    return this.stats.current();
  }
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
