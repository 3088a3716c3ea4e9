/**
 * The little SQL surface both store adapters share, so PGlite (embedded) and PostgreSQL run the same statements.
 * Parameters are positional (`$1`), as both engines speak the PostgreSQL wire dialect.
 */
export interface SqlClient {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel` on a connection of its own: `onNotify` gets each payload NOTIFY sends once its transaction
   * commits; `onResumed` after the connection was lost and re-established (notices in between are lost).
   */
  listen(channel: string, handlers: { onNotify(payload: string): void; onResumed(): void }): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}
