import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'test', level: 'info', destination }) };
}

describe('the logger', () => {
  it('never writes a referral reason, a subject id or a national id', () => {
    const { lines, logger } = capture();
    logger.info({ referral: { reason: 'self-harm at home', subjectId: 'S-1', nationalId: '330203201001011234' }, reason: 'top-level' }, 'x');
    const line = lines.join('');
    expect(line).not.toContain('self-harm');
    expect(line).not.toContain('S-1');
    expect(line).not.toContain('330203201001011234');
    expect(line).not.toContain('top-level');
    expect(line).toContain('[redacted]');
  });

  it('logs an error by kind and message only, not the driver detail that may hold row values', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('duplicate key'), { code: '23505', detail: 'Key (id)=(S-42) already exists.' });
    logger.error({ err: error }, 'failed');
    expect(lines.join('')).toContain('duplicate key');
    expect(lines.join('')).not.toContain('S-42');
  });
});
