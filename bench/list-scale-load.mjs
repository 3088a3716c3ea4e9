// Worker thread for bench/list-scale.bench.ts: the clients, outside the hub's event loop. Over HTTP on loopback,
// it times /health idle, then again while `concurrency` clients page through the referral list, and posts the
// samples back. Plain JavaScript so that the worker needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, query, pageSize, concurrency, windowMs, idleSamples } = workerData;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function health() {
  const started = performance.now();
  const response = await fetch(`${url}/health`);
  await response.text();
  if (response.status !== 200) throw new Error(`/health answered ${response.status}.`);
  return performance.now() - started;
}

async function page(after) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables: { first: pageSize, after } }),
  });
  const body = await response.json();
  if (body.errors?.length || !body.data) throw new Error(`listing under /health: ${JSON.stringify(body.errors ?? response.status)}`);
  return body.data.referrals;
}

const idle = [];
for (let i = 0; i < 20; i++) await health();
for (let i = 0; i < idleSamples; i++) {
  idle.push(await health());
  await sleep(2);
}

let listing = true;
let pages = 0;
const clients = Array.from({ length: concurrency }, async () => {
  let after = null;
  while (listing) {
    const connection = await page(after);
    pages++;
    after = connection.hasMore ? connection.endCursor : null;
  }
});
await sleep(500); // every client has a request in flight
const loaded = [];
const pagesBefore = pages;
const started = performance.now();
while (performance.now() - started < windowMs) {
  loaded.push(await health());
  await sleep(5);
}
const seconds = (performance.now() - started) / 1000;
const listed = pages - pagesBefore;
listing = false;
await Promise.all(clients);
parentPort.postMessage({ idle, loaded, pagesPerSecond: listed / seconds });
