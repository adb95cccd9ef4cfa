// PostGraphile 5 declares Node >= 22; the two newer built-ins it uses, for Node 20.
// Loaded with `node --import ./polyfill.mjs server.mjs`; nothing here runs on Node 22+.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
if (typeof Set.prototype.union !== "function") {
  Object.defineProperty(Set.prototype, "union", {
    value: function union(other) {
      const result = new Set(this);
      for (const item of other.keys()) result.add(item);
      return result;
    },
    writable: true,
    configurable: true,
  });
}
