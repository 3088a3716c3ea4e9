import { parse, protocol, type messages as wire, type PGlite } from '@electric-sql/pglite';

type BackendMessage = wire.BackendMessage;
type RowDescriptionMessage = wire.RowDescriptionMessage;

/** Statements kept prepared per store; past this the least recently used is closed. */
const DEFAULT_MAX_PREPARED = 500;

/** Names are unique in the process, so that two statement sets on one store never take each other's. */
let named = 0;

interface Prepared {
  name: string;
  /** The parameters' types, as the server inferred them: each value is serialised as PGlite's `query` would. */
  paramTypes: number[];
  /** What a row looks like (absent for a statement returning none), so an execution need not ask again. */
  rowDescription: RowDescriptionMessage | null;
}

/**
 * Runs statements on an embedded store as named prepared statements, each execution sent to PostgreSQL in one
 * protocol message. PGlite's own `query` parses and plans the text every time and crosses into WebAssembly six
 * times a statement (parse, describe, bind, describe, execute, sync); with the hub's statements being a few dozen texts
 * run over and over, that was most of a statement's cost (an indexed lookup ~330 µs against ~90 µs here, in a
 * micro-benchmark of 5,000 reads). Values are serialised with PGlite's serializers for the parameter types the
 * server inferred, and rows parsed with its parsers, so callers see exactly what `query` returns.
 *
 * Prepared statements belong to the connection, not to a transaction: a rollback keeps them. A schema change may
 * change what a statement returns, so `forgetAll` is called after every `exec` (migrations and other DDL).
 */
export function createPgliteStatements(db: PGlite, options: { maxPrepared?: number } = {}) {
  const maxPrepared = options.maxPrepared ?? DEFAULT_MAX_PREPARED;
  const prepared = new Map<string, Prepared>();
  /** Statements evicted or forgotten, closed at the start of the next round trip. */
  let toClose: string[] = [];

  const send = async (parts: Uint8Array[]): Promise<BackendMessage[]> => {
    const closing = toClose.map((name) => protocol.serialize.close({ type: 'S', name }));
    toClose = [];
    // The caller holds the query lock, and syncs the file system itself where PGlite would.
    return (await db.execProtocol(Buffer.concat([...closing, ...parts]), { syncToFs: false })).messages;
  };

  const prepare = async (sql: string): Promise<Prepared> => {
    const name = `careloop_${(++named).toString(36)}`;
    const messages = await send([protocol.serialize.parse({ text: sql, name }), protocol.serialize.describe({ type: 'S', name }), protocol.serialize.sync()]);
    const statement: Prepared = {
      name,
      paramTypes: parse.parseDescribeStatementResults(messages),
      rowDescription: (messages.find((m) => m.name === 'rowDescription') as RowDescriptionMessage | undefined) ?? null,
    };
    prepared.set(sql, statement);
    if (prepared.size > maxPrepared) {
      const [oldestSql, oldest] = prepared.entries().next().value as [string, Prepared];
      prepared.delete(oldestSql);
      toClose.push(oldest.name);
    }
    return statement;
  };

  const serialise = (statement: Prepared, params: readonly unknown[]): Array<string | null> =>
    params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = db.serializers[statement.paramTypes[i]!];
      if (serializer) return serializer(value);
      // A type PGlite has no serializer for (an enum, a domain): PostgreSQL reads its text form.
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return value.toString();
      return JSON.stringify(value);
    });

  /** One statement: its rows as PGlite's `query` returns them. The caller must hold PGlite's query lock. */
  async function run<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    let statement = prepared.get(sql);
    if (statement) {
      // Most recently used last, so that eviction takes the least used.
      prepared.delete(sql);
      prepared.set(sql, statement);
    } else statement = await prepare(sql);
    const messages = await send([
      protocol.serialize.bind({ statement: statement.name, values: serialise(statement, params) }),
      protocol.serialize.execute({}),
      protocol.serialize.sync(),
    ]);
    const withShape = statement.rowDescription ? [statement.rowDescription, ...messages] : messages;
    return parse.parseResults(withShape, db.parsers)[0]!.rows as T[];
  }

  return {
    run,
    /** Forgets every prepared statement (after a schema change); they are closed on the next round trip. */
    forgetAll() {
      for (const statement of prepared.values()) toClose.push(statement.name);
      prepared.clear();
    },
  };
}
