// Two GraphQL clients web teams reach for, as they come out of the box, against a real hub:
// Apollo Client (HttpLink for queries and mutations, GraphQLWsLink over graphql-ws for
// subscriptions, its normalised InMemoryCache) and urql (@urql/core with its document cache,
// fetchExchange and subscriptionExchange over graphql-ws).
//
//   node standard_clients.mjs '{"http": "http://…/graphql", "ws": "ws://…/graphql", "key": "…",
//     "profileId": "…", "stepTimeoutMs": 15000, "totalTimeoutMs": 120000}'
//
// What each client does by default and our own clients never do: it adds `__typename` to every
// selection set, sends `operationName`, and (Apollo) normalises objects by `__typename` and `id`
// and updates cached queries from a mutation's answer. Each client runs a query with a fragment,
// an alias and an @include, a mutation whose answer must update the cached query, a query that
// fails validation and one whose variables are wrong (typed errors, as the client surfaces
// them), and a profileChanged subscription that must receive a change and end when the client
// unsubscribes.
//
// Every line on stdout is one JSON object with an "event". test_standard_clients.py reacts to
// "subscribed" (it makes changes to the profile over HTTP until "received" for that label); the
// last line is "result" or "failed".

import {
  ApolloClient,
  ApolloLink,
  HttpLink,
  InMemoryCache,
  gql as apolloGql,
} from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Client, cacheExchange, fetchExchange, subscriptionExchange, gql as urqlGql } from '@urql/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createHash } from 'node:crypto';

const config = JSON.parse(process.argv[2]);
const stepTimeoutMs = config.stepTimeoutMs ?? 15000;
const authorization = `Bearer ${config.key}`;

const SHOPPER = `query Shopper($id: ID!, $withEvents: Boolean!) {
  shopper: profile(id: $id) {
    id
    version
    ...Taste
    recentEvents(first: 3) @include(if: $withEvents) { type touchpoint }
    recommendations(touchpoint: WEB, first: 3) { product { sku name } reason kind recommendationId }
  }
}
fragment Taste on Profile { preferences(source: EXPLICIT) { key value like source } }`;
const STATE = `mutation State($id: ID!, $value: String!) {
  setPreferences(profileId: $id, touchpoint: WEB,
                 preferences: [{key: "theme", value: $value, like: true}]) {
    profile { id version ...Taste }
    userErrors { field code message }
  }
}
fragment Taste on Profile { preferences(source: EXPLICIT) { key value like source } }`;
const INVALID = `query Invalid($id: ID!) { profile(id: $id) { id favouriteColour } }`;
const BAD_VARIABLES = `query BadVariables($first: Int!) { products(first: $first) { sku } }`;
const CHANGES = `subscription Changes($id: ID!) {
  profileChanged(profileId: $id) { profileId version touchpoint kind summary }
}`;

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

let step = 'start';
const totalTimer = setTimeout(() => {
  emit({ event: 'failed', step, error: { error: 'Timeout', message: 'total time limit hit' } });
  process.exit(2);
}, config.totalTimeoutMs ?? 120000);

function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// An error as the client reports it: its class, message and the GraphQL errors it carries.
function describe(error) {
  if (!error) return null;
  const errors = error.errors ?? error.graphQLErrors ?? [];
  return {
    name: error.name ?? error.constructor?.name,
    message: String(error.message),
    errors: errors.map((e) => ({ message: e.message, code: e.extensions?.code ?? null })),
    network: error.networkError ? String(error.networkError.message) : null,
  };
}

function socketClient() {
  return createClient({
    url: config.ws,
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
  });
}

// Resolves with the first change the subscription receives (after saying "subscribed", so the
// test starts making changes); `start` returns the function that unsubscribes.
function firstChange(label, start) {
  return within(stepTimeoutMs * 2, `${label} change`, new Promise((resolve, reject) => {
    const stop = start({
      next: (result) => {
        if (result.error || result.errors) {
          reject(new Error(JSON.stringify(describe(result.error) ?? result.errors)));
          return;
        }
        stop();
        emit({ event: 'received', label });
        resolve(result.data.profileChanged);
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
    });
    emit({ event: 'subscribed', label });
  }));
}

async function apollo() {
  const sockets = socketClient();
  const http = new HttpLink({ uri: config.http, headers: { authorization } });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(sockets),
    http,
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const shopperQuery = apolloGql(SHOPPER);
  const variables = { id: config.profileId, withEvents: true };
  const out = {};

  step = 'apollo query';
  const first = await within(stepTimeoutMs, step, client.query({ query: shopperQuery, variables }));
  out.query = first.data;
  out.cacheKeys = Object.keys(client.cache.extract()).filter((k) => k.startsWith('Profile:'));

  step = 'apollo mutation';
  const stated = await within(stepTimeoutMs, step, client.mutate({
    mutation: apolloGql(STATE),
    variables: { id: config.profileId, value: 'apollo-garden' },
  }));
  out.mutation = stated.data.setPreferences;
  // The mutation answered with the same Profile (by __typename and id): the cached query reads
  // the new preference without asking the hub again.
  out.cachedAfterMutation = client.readQuery({ query: shopperQuery, variables });

  step = 'apollo invalid query';
  out.invalid = await client.query({ query: apolloGql(INVALID), variables: { id: config.profileId } })
    .then((r) => ({ data: r.data ?? null, error: describe(r.error) }), (e) => ({ thrown: describe(e) }));
  step = 'apollo bad variables';
  out.badVariables = await client.query({ query: apolloGql(BAD_VARIABLES), variables: { first: 'ten' } })
    .then((r) => ({ data: r.data ?? null, error: describe(r.error) }), (e) => ({ thrown: describe(e) }));

  step = 'apollo subscription';
  out.change = await firstChange('apollo', (sink) => {
    const subscription = client
      .subscribe({ query: apolloGql(CHANGES), variables: { id: config.profileId } })
      .subscribe(sink);
    return () => subscription.unsubscribe();
  });
  await sockets.dispose();
  client.stop();
  return out;
}

// Apollo with automatic persisted queries (PersistedQueryLink), over POST and over GET: the
// first ask sends the hash alone, hears PERSISTED_QUERY_NOT_FOUND and sends the document with
// it; a second ask of the same query sends the hash alone and is answered. Every request the
// link makes is recorded: its method and whether it carried the document.
async function apolloPersisted(useGETForHashedQueries) {
  const requests = [];
  const recording = (uri, options) => {
    const sent = options.method === 'GET' ? new URL(uri).searchParams.has('query')
      : JSON.parse(options.body).query !== undefined;
    requests.push({ method: options.method, withDocument: sent });
    return fetch(uri, options);
  };
  const link = new PersistedQueryLink({
    sha256: (text) => createHash('sha256').update(text).digest('hex'),
    useGETForHashedQueries,
  }).concat(new HttpLink({ uri: config.http, headers: { authorization }, fetch: recording }));
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  // Another document for each way, so that each starts with a hash this hub has not seen.
  const query = apolloGql(useGETForHashedQueries ? SHOPPER.replace('    version\n', '') : SHOPPER);
  const variables = { id: config.profileId, withEvents: false };
  step = `apollo persisted (GET ${useGETForHashedQueries})`;
  const first = await within(stepTimeoutMs, step, client.query({ query, variables, fetchPolicy: 'network-only' }));
  const second = await within(stepTimeoutMs, step, client.query({ query, variables, fetchPolicy: 'network-only' }));
  client.stop();
  return { first: first.data, second: second.data, requests };
}

async function urql() {
  const sockets = socketClient();
  const client = new Client({
    url: config.http,
    fetchOptions: { headers: { authorization } },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              return { unsubscribe: sockets.subscribe(input, sink) };
            },
          };
        },
      }),
    ],
  });
  const variables = { id: config.profileId, withEvents: false };
  const out = {};
  const plain = (result) => ({ data: result.data ?? null, error: describe(result.error) });

  step = 'urql query';
  out.query = plain(await within(stepTimeoutMs, step, client.query(urqlGql(SHOPPER), variables).toPromise()));
  step = 'urql mutation';
  out.mutation = plain(await within(stepTimeoutMs, step, client.mutation(urqlGql(STATE), {
    id: config.profileId,
    value: 'urql-garden',
  }).toPromise()));
  // urql's document cache drops a cached query that holds a type the mutation returned: the
  // next read goes to the hub and must see the new preference.
  step = 'urql query after mutation';
  out.queryAfterMutation = plain(await within(stepTimeoutMs, step, client.query(urqlGql(SHOPPER), variables).toPromise()));
  step = 'urql invalid query';
  out.invalid = plain(await client.query(urqlGql(INVALID), { id: config.profileId }).toPromise());
  step = 'urql bad variables';
  out.badVariables = plain(await client.query(urqlGql(BAD_VARIABLES), { first: 'ten' }).toPromise());

  step = 'urql subscription';
  out.change = await firstChange('urql', (sink) => {
    const { unsubscribe } = client
      .subscription(urqlGql(CHANGES), { id: config.profileId })
      .subscribe((result) => sink.next(result));
    return unsubscribe;
  });
  await sockets.dispose();
  return out;
}

try {
  const result = {
    apollo: await apollo(),
    persisted: [await apolloPersisted(false), await apolloPersisted(true)],
    urql: await urql(),
  };
  clearTimeout(totalTimer);
  emit({ event: 'result', ...result });
  process.exit(0);
} catch (error) {
  emit({ event: 'failed', step, error: describe(error) ?? { message: String(error) } });
  process.exit(1);
}
