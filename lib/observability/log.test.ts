import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { requestContext } from './context';
import { createLogger } from './log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}

describe('logger', () => {
  it('writes JSON with the request context and redacts secrets wherever they appear', async () => {
    const { lines, logger } = capture();
    requestContext.run(
      { requestId: 'r-1', clientAddress: '192.0.2.5', userId: 'u-1', username: 'alice' },
      () => {
        logger.info(
          {
            password: 'hunter2',
            router: { name: 'gw', password: 'router-pass', passwordEnc: 'v1.abc' },
            token: 'tok',
          },
          'router saved',
        );
      },
    );
    logger.info(
      { headers: { cookie: 'knockgate.session=xyz', authorization: 'Basic Zm9v' } },
      'outside a request',
    );
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'router saved',
      requestId: 'r-1',
      clientAddress: '192.0.2.5',
      userId: 'u-1',
      user: 'alice',
      password: '[redacted]',
      token: '[redacted]',
      router: { name: 'gw', password: '[redacted]', passwordEnc: '[redacted]' },
    });
    expect(lines[1]).toMatchObject({ headers: { cookie: '[redacted]', authorization: '[redacted]' } });
    expect(lines[1]).not.toHaveProperty('requestId');
    const text = JSON.stringify(lines);
    for (const secret of ['hunter2', 'router-pass', 'v1.abc', 'xyz', 'Zm9v'])
      expect(text).not.toContain(secret);
  });
});
