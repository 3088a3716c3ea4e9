import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { NotFoundError } from '../../core/errors.js';
import { clientErrorCode, createMaskError } from './mask-error.js';

function setup() {
  const lines: string[] = [];
  const destination = new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) });
  return { lines, mask: createMaskError(createLogger({ name: 't', destination })) };
}

describe('error masking', () => {
  it('shows a domain error with its stable code and safe details', () => {
    const { mask } = setup();
    const masked = mask(new GraphQLError('wrapped', { originalError: new NotFoundError('referral') })) as GraphQLError;
    expect(masked.message).toBe('No such referral.');
    expect(masked.extensions).toEqual({ code: 'NOT_FOUND', resourceType: 'referral' });
  });

  it('keeps the codes GraphQL itself assigns', () => {
    const { mask } = setup();
    const parse = new GraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(mask(parse)).toBe(parse);
  });

  it('hides an unexpected error behind INTERNAL and logs it once, without its driver detail', () => {
    const { mask, lines } = setup();
    const bug = Object.assign(new Error('relation "x" does not exist'), { detail: 'row (S-42)' });
    const masked = mask(new GraphQLError(bug.message, { originalError: bug })) as GraphQLError;
    expect(masked.message).toBe('Unexpected error.');
    expect(masked.extensions.code).toBe('INTERNAL');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('S-42');
  });

  it('names for the request log the code the client will see', () => {
    expect(clientErrorCode(new GraphQLError('x', { originalError: new NotFoundError('referral') }))).toBe('NOT_FOUND');
    expect(clientErrorCode(new GraphQLError('x', { originalError: new Error('bug') }))).toBe('INTERNAL');
  });
});
