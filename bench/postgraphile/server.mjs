// PostGraphile 5 over the hub's PostgreSQL tables, as bench/postgraphile_peer.py runs it:
//   PGL_DATABASE_URL=postgres://reader@127.0.0.1:5432/db PGL_PORT=5678 \
//     node --import ./polyfill.mjs server.mjs
// The Amber preset (PostGraphile's recommended defaults), schema `public`, no GraphiQL, no
// watch mode, one process (Node runs the JavaScript on one thread). PGL_PRINT_SCHEMA=1 also
// prints the GraphQL schema it built (the names PEER_QUERY uses).
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.PGL_DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: 10 },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 65_000;
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
await pgl.getSchema(); // build the schema before the first request
server.listen(Number(process.env.PGL_PORT), "127.0.0.1", () => {
  console.log(`postgraphile listening on ${process.env.PGL_PORT}`);
});
if (process.env.PGL_PRINT_SCHEMA) {
  const { printSchema } = await import("postgraphile/graphql");
  console.log(printSchema(await pgl.getSchema()));
}
