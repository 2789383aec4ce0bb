import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
const zones = [...Intl.supportedValuesOf('timeZone'), 'SystemV/AST4', 'SystemV/EST5EDT', 'Canada/East-Saskatchewan', 'US/Pacific-New', 'Europe/Kyiv', 'America/Ciudad_Juarez', 'Pacific/Kanton', 'America/Nuuk', 'Asia/Calcutta', 'GMT0', 'Etc/GMT+5', 'ROC', 'Navajo', 'CST6CDT', 'EST', 'MST', 'HST'];
const canon = (z: string) => { try { return new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone } catch { return null } };
const db = new PGlite();
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' }); await c.connect();
for (const z of zones) {
  const k = canon(z); if (!k) continue;
  let a = 'ok', b = 'ok';
  try { await db.query(`select now() at time zone $1`, [k]) } catch (e: any) { a = e.message }
  try { await c.query(`select now() at time zone $1`, [k]) } catch (e: any) { b = e.message }
  if (a !== 'ok' || b !== 'ok') console.log(z, '->', k, '| pglite:', a, '| pg:', b);
}
await c.end(); await db.close();
