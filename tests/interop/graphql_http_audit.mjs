// graphql-http's GraphQL-over-HTTP conformance audits (serverAudits) against a real hub.
//
//   node graphql_http_audit.mjs '{"url": "http://…/graphql", "key": "…", "timeoutMs": 10000}'
//
// Every request carries `Authorization: Bearer <key>` (the hub refuses anything without a key
// before any work). Prints one JSON line: {"results": [{id, name, status, reason?, response?}]},
// status being ok, notice (a MAY), warn (a SHOULD) or error (a MUST).

import { serverAudits } from 'graphql-http';

const config = JSON.parse(process.argv[2]);
const timeoutMs = config.timeoutMs ?? 10000;

function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${config.key}`);
  return fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
}

// What the hub answered, for the failure message.
async function describeResponse(response) {
  if (!response) return null;
  let body = '';
  try {
    body = await response.text();
  } catch (error) {
    body = `(body already read: ${error.message})`;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: body.length > 500 ? `${body.slice(0, 500)}…` : body,
  };
}

const results = [];
for (const audit of serverAudits({ url: config.url, fetchFn })) {
  try {
    const result = await audit.fn();
    results.push(
      result.status === 'ok'
        ? { id: result.id, name: result.name, status: 'ok' }
        : {
            id: result.id,
            name: result.name,
            status: result.status,
            reason: result.reason,
            response: await describeResponse(result.response),
          },
    );
  } catch (error) {
    // The audit itself blew up (a timeout, a refused connection): as bad as a failed MUST.
    results.push({
      id: audit.id,
      name: audit.name,
      status: 'error',
      reason: `audit could not run: ${error?.name}: ${error?.message}`,
    });
  }
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
