import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { ApiError } from './api-error';
import { AllExceptionsFilter } from './all-exceptions.filter';

@Controller()
class ProbeController {
  @Post('echo') echo(@Body() body: unknown) {
    return body;
  }
  @Get('boom') boom() {
    throw new Error('secret internals at /srv/app.js:12');
  }
  @Get('api-error') apiError() {
    throw ApiError.validation([{ path: 'name', message: 'Required' }]);
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('AllExceptionsFilter', () => {
  let app: Awaited<ReturnType<typeof NestFactory.create>>;
  beforeAll(async () => {
    app = await NestFactory.create(ProbeModule, { logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
  });
  afterAll(() => app.close());

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await request(app.getHttpServer()).post('/echo').set('content-type', 'application/json').send('{bad');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'MALFORMED_JSON' });
  });

  it('answers an oversized body with 413', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(200_000) }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hides unexpected errors behind a generic 500 without a stack', async () => {
    const res = await request(app.getHttpServer()).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error', code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(res.body)).not.toContain('/srv/app.js');
  });

  it('renders ApiError with its fields', async () => {
    const res = await request(app.getHttpServer()).get('/api-error');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'name', message: 'Required' }] });
  });

  it('answers unknown routes 404 in the same shape', async () => {
    const res = await request(app.getHttpServer()).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });
});
