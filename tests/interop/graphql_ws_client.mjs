// The reference `graphql-ws` client (createClient, webSocketImpl from `ws`) against a real hub.
//
//   node graphql_ws_client.mjs '{"url": "ws://…/graphql", "key": "…", "profileId": "…",
//     "stepTimeoutMs": 15000, "reconnectTimeoutMs": 40000, "totalTimeoutMs": 120000}'
//
// Steps: a query and a mutation over the socket (client.iterate); a profileChanged
// subscription that receives a change and is completed by the client (the connection must stay
// up and the server must send nothing more for it); a second subscription that survives the
// hub restarting (the retry policy reconnects, graphql-ws re-subscribes) and receives a later
// change; a query on the same connection after that change was made over HTTP (it must read
// it); a query on the new connection.
//
// Every line on stdout is one JSON object with an "event". test_graphql_ws.py reacts to two:
// "subscribed" (it makes changes to the profile over HTTP until "received" for that label) and
// "restart" (it restarts the hub on the same port). The last line is "result" or "failed".

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const config = JSON.parse(process.argv[2]);
const stepTimeoutMs = config.stepTimeoutMs ?? 15000;
const reconnectTimeoutMs = config.reconnectTimeoutMs ?? 40000;
const retryWaitMs = 250;

const SUBSCRIBE = `subscription($id: ID!) {
  profileChanged(profileId: $id) { profileId version touchpoint kind summary }
}`;
const QUERY = `query($id: ID!) {
  profile(id: $id) { id version preferences { key value } }
  products(first: 2) { sku name }
}`;
const MUTATION = `mutation($id: ID!) {
  setPreferences(profileId: $id, touchpoint: KIOSK,
                 preferences: [{key: "theme", value: "garden", like: true}]) {
    profile { id version }
    userErrors { code message }
  }
}`;

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

// What a thrown value or a socket event says, as JSON.
function describe(value) {
  if (Array.isArray(value)) return { graphqlErrors: value };
  if (value instanceof Error) return { error: value.name, message: value.message };
  if (value && typeof value === 'object' && 'code' in value && 'reason' in value) {
    return { closeCode: value.code, reason: String(value.reason), wasClean: value.wasClean };
  }
  if (value && typeof value === 'object' && 'message' in value) {
    return { error: value.type ?? 'error', message: String(value.message) };
  }
  return { error: String(value) };
}

const isCloseEvent = (value) =>
  Boolean(value) && typeof value === 'object' && 'code' in value && 'reason' in value;

let step = 'connect';
let connections = 0;
let operations = 0;
const completedIds = new Set();
const stray = []; // messages the server sent for an operation the client had completed

const totalTimer = setTimeout(() => {
  emit({ event: 'failed', step, error: { error: 'Timeout', message: 'total time limit hit' } });
  process.exit(2);
}, config.totalTimeoutMs ?? 120000);

const client = createClient({
  url: config.url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${config.key}` },
  lazy: false, // one connection for the whole run, kept up between operations
  onNonLazyError: (error) => emit({ event: 'fatal', step, error: describe(error) }),
  // The retry policy: a dropped connection (the hub restarting: close 1012/1006, then
  // ECONNREFUSED while it is down) is retried every 250 ms until reconnectTimeoutMs. A
  // client-side protocol error (an Error the client threw on a message it could not read) is
  // not: it would fail the same way again.
  retryAttempts: Math.ceil(reconnectTimeoutMs / retryWaitMs),
  retryWait: () => new Promise((resolve) => setTimeout(resolve, retryWaitMs)),
  shouldRetry: (errorOrClose) => isCloseEvent(errorOrClose) || !(errorOrClose instanceof Error),
  generateID: () => `op-${++operations}`,
  on: {
    connecting: (isRetry) => emit({ event: 'connecting', step, isRetry }),
    // The first frames of each connection as they came off the wire (graphql-transport-ws
    // wants text frames; a binary one reads as "Message is missing the 'type' property").
    opened: (socket) => {
      let frames = 0;
      socket.on('message', (data, isBinary) => {
        if (++frames <= 2) {
          emit({ event: 'frame', step, binary: isBinary, data: String(data).slice(0, 200) });
        }
      });
    },
    connected: (_socket, _payload, wasRetry) => {
      connections += 1;
      emit({ event: 'connected', step, connection: connections, wasRetry });
    },
    closed: (event) => emit({ event: 'closed', step, ...describe(event) }),
    error: (error) => emit({ event: 'socket-error', step, ...describe(error) }),
    message: (message) => {
      if ('id' in message && completedIds.has(message.id)) {
        stray.push(message);
        emit({ event: 'stray-message', step, message });
      }
    },
  },
});

function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// A query or mutation over the socket: every result the iterator yields until it completes.
async function execute(query, variables) {
  const results = [];
  const run = async () => {
    for await (const result of client.iterate({ query, variables })) results.push(result);
  };
  await within(stepTimeoutMs, `result for the ${step}`, run());
  return results;
}

// profileChanged for the profile through client.subscribe, each change tagged with the
// connection it arrived on.
function subscribeChanges(name) {
  const received = [];
  let ended = null;
  let wake = () => {};
  const dispose = client.subscribe(
    { query: SUBSCRIBE, variables: { id: config.profileId } },
    {
      next: (result) => {
        received.push({ connection: connections, result });
        emit({ event: 'next', step, subscription: name, connection: connections, result });
        wake();
      },
      error: (error) => {
        ended = { error: describe(error) };
        wake();
      },
      complete: () => {
        ended = ended ?? { complete: true };
        wake();
      },
    },
  );
  const id = `op-${operations}`; // generateID ran inside subscribe()
  return {
    get ended() {
      return ended;
    },
    // The first change that arrived on connection `minConnection` or later; `label` names the
    // wait for the test, which makes changes until it sees "received" with that label.
    async change(label, minConnection) {
      emit({ event: 'subscribed', step, label, minConnection });
      const wait = async () => {
        for (;;) {
          const hit = received.find((item) => item.connection >= minConnection);
          if (hit) {
            if (hit.result.errors) {
              throw new Error(`profileChanged sent errors: ${JSON.stringify(hit.result.errors)}`);
            }
            return hit.result.data.profileChanged;
          }
          if (ended) {
            throw new Error(`the subscription ended before a change: ${JSON.stringify(ended)}`);
          }
          await new Promise((resolve) => {
            wake = resolve;
          });
        }
      };
      const change = await within(stepTimeoutMs, `profileChanged (${label})`, wait());
      emit({ event: 'received', step, label, change });
      return change;
    },
    complete() {
      completedIds.add(id);
      dispose();
    },
  };
}

async function main() {
  const variables = { id: config.profileId };
  step = 'query over the socket';
  const query = await execute(QUERY, variables);
  emit({ event: 'query', results: query });

  step = 'mutation over the socket';
  const mutation = await execute(MUTATION, variables);
  emit({ event: 'mutation', results: mutation });

  step = 'subscription, then complete';
  const first = subscribeChanges('first');
  const firstChange = await first.change('first', 1);
  first.complete();
  // Give the server time to answer the complete (it must not: no error, no close).
  await new Promise((resolve) => setTimeout(resolve, 500));
  step = 'query after complete';
  const afterComplete = await execute(QUERY, variables);
  emit({ event: 'after-complete', connections, ended: first.ended, results: afterComplete });

  step = 'subscription across a hub restart';
  const second = subscribeChanges('second');
  const beforeRestart = await second.change('before restart', 1);
  // The same connection ran a query before that change was made over HTTP: asked again, it
  // must read the change (a socket's reads are not kept from one operation to the next).
  step = 'query after a change made elsewhere';
  const afterChange = await execute(QUERY, variables);
  step = 'subscription across a hub restart';
  const connectionsBefore = connections;
  emit({ event: 'restart', step });
  const reconnected = async () => {
    while (connections <= connectionsBefore) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await within(reconnectTimeoutMs, 'reconnection after the restart', reconnected());
  const afterRestart = await second.change('after restart', connectionsBefore + 1);
  second.complete();

  step = 'query after reconnecting';
  const afterReconnect = await execute(QUERY, variables);

  step = 'dispose';
  await client.dispose();
  emit({
    event: 'result',
    connections,
    firstChange,
    firstEnded: first.ended,
    beforeRestart,
    afterRestart,
    afterComplete,
    afterChange,
    afterReconnect,
    stray,
  });
}

main().then(
  () => {
    clearTimeout(totalTimer);
    process.exit(0);
  },
  (error) => {
    emit({ event: 'failed', step, error: describe(error) });
    process.exit(1);
  },
);
