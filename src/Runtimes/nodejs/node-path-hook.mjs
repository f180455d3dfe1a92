// Preloaded by bootstrap (node --import): registers node-path-resolve.mjs as a module resolve hook, so that an ES
// module's `import 'pkg'` also searches NODE_PATH, as on AWS. AWS's Node runtimes are patched to do this (a layer's
// /opt/nodejs/node_modules is importable from an .mjs handler); stock Node's ES module resolver ignores NODE_PATH.
import { register } from "node:module";

if (process.env.NODE_PATH) {
  register("./node-path-resolve.mjs", import.meta.url, { data: { nodePath: process.env.NODE_PATH } });
}
