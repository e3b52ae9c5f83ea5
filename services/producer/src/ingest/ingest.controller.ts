import { Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileStreamInterceptor, type MultipartFileStream } from '@nestjs/platform-fastify/multipart';
import { CSV_FILE_FIELD, FlowcastError, type CsvAccepted } from '@flowcast/common/contracts';
import { IngestService } from './ingest.service.js';

/** The CSV upload; single messages take a Fastify route of their own (`single-route.ts`). */
@Controller('producers')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  /** A CSV file (multipart field `file`) → batches in Kafka; 202 once every batch is committed. */
  @Post('upload/csv')
  @HttpCode(202)
  @UseInterceptors(FileStreamInterceptor(CSV_FILE_FIELD))
  uploadCsv(@UploadedFile() file: MultipartFileStream | undefined): Promise<CsvAccepted> {
    if (file === undefined) {
      throw new FlowcastError('CSV_FILE_MISSING', `Send the CSV file as multipart/form-data field "${CSV_FILE_FIELD}"`);
    }
    return this.ingest.acceptCsv(file.stream);
  }
}
