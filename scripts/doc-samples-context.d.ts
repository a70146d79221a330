// The names the code samples of README.md and docs/*.md take from the prose around them
// (scripts/check-doc-samples.mjs). Global, so a sample that declares its own shadows them;
// Volley's own exports are deliberately not here: a sample imports what it uses.
import type { Handler, Router, Service } from 'volley';

declare global {
  const router: Router;
  const api: Router;
  const admin: Router;
  const service: Service;
  const secret: string;
  const listUsers: Handler;
  const createUser: Handler;
  const showUser: Handler;
  const removeUser: Handler;
  const auth: Handler;
  const handleTransfer: Handler;
  const renderPdf: Handler;
  const serveFile: Handler;
  function checkLogin(form: unknown): Promise<{ id: string }>;
  function rename(from: string, to: string): Promise<void>;
  function broadcast(room: string | undefined, data: unknown): void;
  function catalog(): unknown;
  const prices: { subscribe(fn: (p: { seq: number; price: number }) => void): () => void };
  const db: {
    query(sql: string, params?: unknown[]): Promise<unknown[]>;
    end(): Promise<void>;
    apiKey(user: string): Promise<{ id: string; secret: string; scopes: string[] } | undefined>;
  };
}
