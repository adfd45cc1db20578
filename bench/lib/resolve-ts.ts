// `node --import ./bench/lib/resolve-ts.ts bench/run.ts`: the bench starts
// servers through test/support/server.ts, which imports the testing kit
// (src/testing/), whose relative imports carry no extension (it is built for
// its package). Node's type stripping needs the `.ts`: this hook adds it.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (!/^\.\.?\//.test(specifier) || /\.[cm]?[jt]s$/.test(specifier)) throw err;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});
